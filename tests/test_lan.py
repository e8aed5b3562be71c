"""Phones in the room: the certificate `make run-https` makes (and keeps), and the QR code."""

from facekit.service.lan import https_certificate, lan_address, qr_png


def test_the_certificate_is_kept_while_it_covers_the_addresses(tmp_path):
    cert, key = https_certificate(tmp_path, ["localhost", "127.0.0.1", "192.0.2.7"])
    first = cert.read_bytes()
    assert b"BEGIN CERTIFICATE" in first and b"PRIVATE KEY" in key.read_bytes() and key.stat().st_mode & 0o077 == 0
    assert https_certificate(tmp_path, ["127.0.0.1", "192.0.2.7"])[0].read_bytes() == first  # a phone accepts it once
    assert https_certificate(tmp_path, ["127.0.0.1", "192.0.2.99"])[0].read_bytes() != first  # another network


def test_an_address_and_its_qr_code():
    assert lan_address().count(".") == 3
    assert qr_png("https://192.0.2.7:8501").startswith(b"\x89PNG")

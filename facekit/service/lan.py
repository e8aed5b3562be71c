"""Showing the app on phones in the room: this computer's address on the local network, a
self-signed HTTPS certificate for it (browsers lend the camera only to HTTPS pages), and a QR
code of the address."""

from __future__ import annotations

import datetime
import ipaddress
import io
import socket
from pathlib import Path

from facekit.files import write_atomic


def lan_address() -> str:
    """This computer's address on its local network (``127.0.0.1`` when it has none).

    Connecting a UDP socket sends nothing; it only makes the system pick the interface that
    would reach the outside, whose address the phones in the room can reach too.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


# What a person sees on a phone opening the app over HTTPS the first time, and what to do.
CERTIFICATE_ADVICE = ("The browser warns once that the certificate is not trusted: this computer made it. Choose "
                      "'Advanced' then 'Proceed' (Chrome) or 'Show details' then 'visit this website' (Safari).")


def https_certificate(folder: Path, addresses: list[str], days: int = 30) -> tuple[Path, Path]:
    """``(cert.pem, key.pem)`` in ``folder`` for ``addresses`` (IPs or host names): the ones
    already there while they cover these addresses for another day (so phones that accepted it
    need not accept it again), else a new self-signed pair. Browsers warn once about a
    certificate nobody vouches for; that is expected here, and the README says so."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = Path(folder) / "cert.pem", Path(folder) / "key.pem"
    now = datetime.datetime.now(datetime.timezone.utc)
    if cert_path.exists() and key_path.exists():
        existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = existing.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        covered = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} | set(names.get_values_for_type(x509.DNSName))
        if set(addresses) <= covered and existing.not_valid_after_utc > now + datetime.timedelta(days=1):
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    names = []
    for address in addresses:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(address)))
        except ValueError:
            names.append(x509.DNSName(address))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "facekit demo")])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(key_path, lambda tmp: tmp.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())))
    key_path.chmod(0o600)
    write_atomic(cert_path, lambda tmp: tmp.write_bytes(certificate.public_bytes(serialization.Encoding.PEM)))
    return cert_path, key_path


def qr_png(text: str, scale: int = 6) -> bytes:
    """A QR code of ``text`` (an address) as PNG bytes."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()

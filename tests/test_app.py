from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_home_page_renders_and_says_what_the_app_does(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEKIT_DATA_DIR", str(tmp_path))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert "Same person" in app.title[0].value
    assert any("two photos" in m.value for m in app.markdown)

import numpy as np
import pytest

from facekit import Config, Face, NoFaceFound, align_face, face_chip, main_face
from facekit.faces.align import chip_template, lfw_centre_chip, model_input
from facekit.faces.detect import detect_faces


def _face(x, y, w, h, confidence=0.99):
    return Face((x, y, w, h), confidence, np.zeros((5, 2), np.float32))


def test_alignment_puts_the_landmarks_on_the_template():
    config = Config()
    # Five bright dots where a tilted, shifted, scaled face's landmarks are; after alignment each
    # must land on its template point.
    angle, scale, shift = np.deg2rad(15), 1.7, np.array([40.0, 25.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    template = chip_template(config)
    landmarks = (template @ rotation.T) * scale + shift
    image = np.zeros((300, 300, 3), np.uint8)
    for x, y in np.round(landmarks).astype(int):
        image[y - 2 : y + 3, x - 2 : x + 3] = 255
    chip = align_face(image, landmarks, config)
    assert chip.shape == (config.chip_size, config.chip_size, 3) and chip.dtype == np.uint8
    for x, y in np.round(template).astype(int):
        assert chip[y, x].max() > 100, (x, y)


def test_template_leaves_a_margin_and_keeps_eyes_level():
    template = chip_template(Config(chip_size=100, chip_margin=0.25))
    assert template.min() > 20 and template.max() < 80
    assert abs(template[0, 1] - template[1, 1]) < 0.5


def test_main_face_rules():
    with pytest.raises(NoFaceFound, match="No face"):
        main_face([])
    with pytest.raises(NoFaceFound, match="too small"):
        main_face([_face(10, 10, 12, 14)], Config(min_face_pixels=24))
    big = _face(50, 50, 80, 90)
    assert main_face([big, _face(0, 0, 30, 30)]) is big


def test_model_input_shapes_and_range():
    chip = np.random.default_rng(0).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    grey = model_input(chip, 105, grey=True)
    assert grey.shape == (105, 105, 1) and grey.dtype == np.float32
    assert 0.0 <= grey.min() and grey.max() <= 1.0
    colour = model_input(chip, 64, grey=False)
    assert colour.shape == (64, 64, 3) and 0.0 <= colour.min() and colour.max() <= 1.0


def test_a_blank_image_has_no_face():
    assert detect_faces(np.full((250, 250, 3), 128, np.uint8)) == []
    with pytest.raises(NoFaceFound, match="No face"):
        face_chip(np.full((250, 250, 3), 128, np.uint8))


def test_lfw_centre_chip_is_a_full_chip():
    chip = lfw_centre_chip(np.full((250, 250, 3), 77, np.uint8))
    assert chip.chip.shape == (112, 112, 3) and chip.face.confidence == 0.0


def test_not_sure_advice_names_only_what_was_measured():
    """Sharp, lit, front-facing press photos get no advice about light or pose; a dark, blurred copy
    and a face turned to the side are named as such."""
    import cv2

    from facekit.examples import EXAMPLES_DIR
    from facekit.faces.quality import is_turned, what_would_settle_it

    chips = [face_chip(EXAMPLES_DIR / name) for name in ("obama.jpg", "obama1.jpg")]
    photos, faces = tuple(c.photo for c in chips), tuple(c.face for c in chips)
    assert what_would_settle_it(photos, faces).startswith("Both faces are sharp, well lit")
    dark_blurred = cv2.GaussianBlur((photos[1] * 0.15).astype(np.uint8), (31, 31), 0)
    advice = what_would_settle_it((photos[0], dark_blurred), faces)
    assert "the second photo is dark and is blurred" in advice and "first photo" not in advice
    left_eye, right_eye, nose, mouth_left, mouth_right = faces[0].landmarks
    turned = Face(faces[0].box, 0.99, np.array([left_eye, right_eye, nose + [0.5 * (right_eye[0] - left_eye[0]), 0],
                                                 mouth_left, mouth_right]))
    assert not is_turned(faces[0]) and is_turned(turned)
    assert "the first photo shows the head turned to the side" in what_would_settle_it((photos[0], photos[1]), (turned, faces[1]))


def test_the_fast_finder_places_the_five_points_where_mtcnn_does():
    """FACEKIT_FACE_FINDER=fast: BlazeFace and its face mesh find the example faces, with eyes, nose
    and mouth corners within 10% of the eye distance of MTCNN's; a crowd keeps the central face first."""
    from facekit import load_image
    from facekit.examples import EXAMPLES_DIR

    fast, mtcnn = Config(face_finder="fast"), Config(face_finder="mtcnn")
    for name in ("obama.jpg", "obama1.jpg", "obama2.jpg", "biden.jpg", "two_people.jpg"):
        image = load_image(EXAMPLES_DIR / name)
        reference, found = main_face(detect_faces(image, mtcnn)), detect_faces(image, fast)
        eyes = np.hypot(*(reference.landmarks[1] - reference.landmarks[0]))
        assert np.abs(found[0].landmarks - reference.landmarks).max() < 0.1 * eyes, name
    assert len(detect_faces(load_image(EXAMPLES_DIR / "two_people.jpg"), fast)) == 2


def test_the_fast_finder_still_finds_small_tilted_and_dark_faces():
    """The hard cases of the issue: a 24 px face in a large frame (found tile by tile), a head tilted
    30 degrees, a dark photo."""
    import cv2

    from facekit import load_image
    from facekit.examples import EXAMPLES_DIR

    fast = Config(face_finder="fast")
    face = load_image(EXAMPLES_DIR / "obama1.jpg")
    small = np.full((720, 1280, 3), 110, np.uint8)
    small[300:345, 600:680] = cv2.resize(face, (80, 45))
    height, width = face.shape[:2]
    tilted = cv2.warpAffine(face, cv2.getRotationMatrix2D((width / 2, height / 2), 30, 1.0), (width, height),
                            borderMode=cv2.BORDER_REPLICATE)
    dark = (face * 0.25).astype(np.uint8)
    for name, image in (("small", small), ("tilted", tilted), ("dark", dark)):
        assert detect_faces(image, fast), name
    assert detect_faces(np.full((300, 300, 3), 128, np.uint8), fast) == []


def test_a_large_jpeg_is_read_smaller_first_and_whole_when_its_face_is_small(tmp_path):
    """A 2000 px JPEG with a large face is decoded at half size (faster, the chip loses nothing: the
    same verdict as the photo it was made from); with a small face it is read whole again."""
    import cv2

    from facekit import load_image, verify
    from facekit.examples import EXAMPLES_DIR
    from facekit.faces.align import face_chip
    from tests.conftest import jpeg_bytes

    face = load_image(EXAMPLES_DIR / "obama1.jpg")  # 800 x 450
    large = tmp_path / "large.jpg"
    large.write_bytes(jpeg_bytes(cv2.resize(face, (2000, 1125), interpolation=cv2.INTER_CUBIC), quality=92))
    chip = face_chip(large)
    assert max(chip.photo.shape[:2]) == 1000  # JPEG's half-size decode, no display copy needed
    assert verify(large, EXAMPLES_DIR / "obama.jpg").decision == verify(EXAMPLES_DIR / "obama1.jpg", EXAMPLES_DIR / "obama.jpg").decision == "same"
    crowd = np.full((1125, 2000, 3), 120, np.uint8)
    crowd[500:725, 900:1300] = cv2.resize(face, (400, 225))  # eyes ~45 px apart: under the half-size decode's bar
    small = tmp_path / "small.jpg"
    small.write_bytes(jpeg_bytes(crowd, quality=92))
    found = face_chip(small)
    assert max(found.photo.shape[:2]) == 1024  # read whole, then shrunk for display
    assert 900 * 1024 / 2000 < found.face.box[0] < 1300 * 1024 / 2000

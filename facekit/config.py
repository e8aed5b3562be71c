"""One frozen configuration: sizes, paths, thresholds and seeds, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AUGMENTATIONS = ("light", "phone")  # the training recipes of Config.augmentation
# The Siamese models that ship, by the name a person picks them with, and their files in models/:
# "sface" (the default) stands on SFace (OpenCV's model zoo), trained elsewhere on web photos;
# "pretrained" on dlib's face-recognition ResNet, trained elsewhere on ~3 M photos of people other
# than LFW's; "scratch" was trained here on LFW alone.
MODELS = {"sface": "siamese_sface", "pretrained": "siamese_pretrained", "scratch": "siamese"}
DEFAULT_MODEL = "sface"
# The face framings the outside towers were trained on (their models' chips; see facekit.faces).
DLIB_CHIPS = {"chip_style": "dlib", "chip_size": 150}
SFACE_CHIPS = {"chip_style": "sface", "chip_size": 112}


def _default_data_dir() -> Path:
    """``$FACEKIT_DATA_DIR``; else the checkout's ``data/`` when facekit runs from a checkout, else a
    folder of the user's own (``$XDG_DATA_HOME/facekit``, ``~/.local/share/facekit``): one folder from
    any working directory, so the command line, the app and the API share a gallery."""
    if os.environ.get("FACEKIT_DATA_DIR"):
        return Path(os.environ["FACEKIT_DATA_DIR"])
    if (PROJECT_ROOT / "data").is_dir():
        return PROJECT_ROOT / "data"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "facekit"


def _default_models_dir() -> Path:
    """``$FACEKIT_MODELS_DIR``, else the repository's ``models/`` (beside this package)."""
    return Path(os.environ.get("FACEKIT_MODELS_DIR") or PROJECT_ROOT / "models")


def _keys(variable: str) -> tuple[str, ...]:
    """A comma-separated list of API keys from the environment (empty: none)."""
    return tuple(key.strip() for key in os.environ.get(variable, "").split(",") if key.strip())


@dataclass(frozen=True)
class Config:
    """Every tunable number of facekit. Make a variant with ``config.with_(field=value)``.

    ``Config()`` reads ``$FACEKIT_DATA_DIR`` and ``$FACEKIT_MODELS_DIR`` when it is made, so
    functions take ``config=None`` and make theirs when called: the environment at call time wins.
    """

    # Folders. ``data_dir`` holds anchor/, positive/, negative/, lfw/, pairs.csv and the chip cache.
    data_dir: Path = field(default_factory=_default_data_dir)
    models_dir: Path = field(default_factory=_default_models_dir)

    # Images: LFW photos and webcam captures are 250x250 RGB JPEGs.
    photo_size: int = 250
    jpeg_quality: int = 95
    # Refuse inputs bigger than this before decoding them (decompression bombs). A JPEG may be
    # larger (a phone's 108-megapixel mode): it is decoded already shrunk (JPEG's own 1/2 to 1/8
    # scaling, to at least ``max_working_side``), so its decoded copy is small too.
    max_image_pixels: int = 40_000_000
    max_jpeg_pixels: int = 120_000_000
    max_image_bytes: int = 25 * 1024 * 1024
    # Work on at most this many pixels per side (a 40-megapixel photo is shrunk right after it is
    # decoded), show at most ``display_max_side``, and decode at most this many larger photos at
    # once: several visitors with huge photos then share a bounded amount of memory.
    max_working_side: int = 2048
    display_max_side: int = 1024
    max_large_photos_at_once: int = 1

    # Face detection. MTCNN's pyramid is cheaper on a smaller picture, and its own
    # ``min_face_size`` above 20 crashes on small inputs (mtcnn 1.0.0), so large photos are
    # shrunk to ``detect_max_side`` instead.
    # The face finder (facekit/faces/detect.py): "fast" (BlazeFace + its face mesh on LiteRT, looking
    # again in a wider frame and tile by tile where they find nothing: ~9 ms a photo instead of 124,
    # a face in 13,232 of LFW's 13,233 photos; bench/face_finders.py) or "mtcnn" (on TensorFlow,
    # for comparisons).
    face_finder: str = field(default_factory=lambda: os.environ.get("FACEKIT_FACE_FINDER") or "fast")
    detect_max_side: int = 480
    # LiteRT's threads per network (the finder's and the towers'); 0: every core this process may use.
    inference_threads: int = field(default_factory=lambda: int(os.environ.get("FACEKIT_THREADS") or 0))
    min_face_confidence: float = 0.90
    min_face_pixels: int = 24  # a face narrower than this (in the original photo) is "too small"

    # Face chips: the aligned, cached crop every model input is cut from (uint8 RGB, square).
    chip_size: int = 112
    # Eyes/nose/mouth land on a fixed template; ``chip_margin`` is the share of the chip left
    # around the ArcFace-style tight template, so a chip shows the whole face like LFW's framing.
    chip_margin: float = 0.25
    # "arcface": the template above with ``chip_margin`` (the model trained here); "sface": the same
    # template without a margin (SFace's framing); "dlib": the framing of dlib's face chips (dlib's
    # tower). Each model's record says which it takes.
    chip_style: str = "arcface"
    # Bump when anything that changes chip pixels changes: cached chips of another version are
    # never reused.
    pipeline_version: str = "1"

    # Which Siamese model verifies (a key of MODELS). Training from scratch always writes "scratch".
    model: str = field(default_factory=lambda: os.environ.get("FACEKIT_MODEL") or DEFAULT_MODEL)

    # Baseline: Gaussian Naive Bayes on raw grey pixels, as in the original project.
    baseline_size: int = 105

    # Siamese network. It takes the whole chip (chip_size, RGB, [0, 1]); its first layers keep
    # the central ``siamese_crop`` share (the face without the chip's margin) and shrink it to
    # ``siamese_size``, so training and every caller see the same framing.
    siamese_crop: float = 0.68
    siamese_size: int = 96
    embedding_dim: int = 128
    # Training the tower as an identity classifier with a CosFace margin (see siamese.py).
    cosface_scale: float = 30.0
    cosface_margin: float = 0.35
    train_epochs: int = 30
    train_batch: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 0.05
    validation_share: float = 0.12  # share of training identities held out for validation
    min_photos_per_class: int = 2  # people with fewer usable photos are not classes
    max_photos_per_person: int = 60  # George W. Bush alone is ~10% of LFW: cap so he does not dominate
    early_stop_patience: int = 8
    augment_max_degrees: float = 10.0  # random rotation while training, either way ("phone" augmentation)
    # "light": framing, mirror, light and colour; "phone" adds rotation, low resolution, JPEG damage
    # and occlusion. The shipped model joins a tower of each (they make different mistakes).
    augmentation: str = "phone"

    # Capture: how a webcam shot is judged and framed. Brightness is the mean grey level of
    # the face (0-255); sharpness the variance of its Laplacian (higher is sharper).
    min_brightness: float = 60.0
    max_brightness: float = 215.0
    min_sharpness: float = 40.0
    min_capture_face_pixels: int = 80
    capture_face_share: float = 0.42  # face box width / photo width, as in LFW's framing
    recommended_anchors: int = 10
    recommended_positives: int = 10
    max_captures_per_person: int = 40  # per kind; a stuck key or a script cannot fill the disk
    seconds_between_shots: float = 1.0  # per browser session
    seconds_between_samples: float = 2.0  # the Dataset page's "Show other photos", per session
    # Reference photos from the camera only after a liveness check passed on the Live page in the
    # same browser session, at most ``liveness_valid_s`` before (off by default; the presenter can
    # switch it on in the app, or FACEKIT_CAPTURE_LIVENESS=1 when it starts).
    capture_needs_liveness: bool = field(default_factory=lambda: os.environ.get("FACEKIT_CAPTURE_LIVENESS") == "1")
    liveness_valid_s: float = 600.0
    # Visitors' captures (marked with their browser session) are deleted this long after they
    # were taken, when the app starts; LFW's photos and the presenter's stay.
    capture_retention_days: float = 7.0
    # Unlocks the presenter's view in the app (everyone's photos, deleting them, LFW's people).
    # Empty: nobody is the presenter.
    presenter_passphrase: str = field(default_factory=lambda: os.environ.get("FACEKIT_PRESENTER_PASSPHRASE", ""))

    # Verification against enrolled photos (the original tutorial's rule): a probe is verified
    # when at least this share of the enrolled photos match it with a confident "same". Chosen on
    # validation people (bench/anchor_rule.py, 5 enrolled photos): 0.2 accepts the right person
    # 48% of the time and a stranger 0 times in 1,080; 0.5 would accept the right person 13%.
    verification_share: float = 0.2
    # The aims the verdict lines are chosen for (on validation or training people, never test people):
    # look-alike strangers called "same" at most this share; same-person pairs called "different" at
    # most this share (the pretrained tower's own aim is stricter: it has far fewer misses to spare);
    # "Who is this?" names a stranger at most this share of the time, among 100 enrolled people.
    max_false_same_look_alikes: float = 0.02
    max_false_different: float = 0.05
    max_false_different_pretrained: float = 0.01
    max_strangers_named: float = 0.01

    # The gallery of enrolled people, shared by the app and the HTTP API: an SQLite file in
    # data_dir, or the database that $FACEKIT_GALLERY_URL names (postgresql://user@host/db).
    gallery_url: str = field(default_factory=lambda: os.environ.get("FACEKIT_GALLERY_URL", ""))
    # Each enrolled person's key (facekit/gallery/keys.py): a file every server process must reach;
    # default data_dir/gallery_keys.sqlite3.
    gallery_keys: str = field(default_factory=lambda: os.environ.get("FACEKIT_GALLERY_KEYS", ""))
    identify_top_k: int = 5  # people listed by "Who is this?" and /v1/identify

    # The HTTP API (`facekit serve`). With keys set, every /v1 route needs an X-API-Key; enrolling
    # and deleting need an admin key.
    api_keys: tuple[str, ...] = field(default_factory=lambda: _keys("FACEKIT_API_KEYS"))
    admin_keys: tuple[str, ...] = field(default_factory=lambda: _keys("FACEKIT_ADMIN_KEYS"))
    # Photo requests one API process takes on at once (running or waiting for the model); more
    # are told to come back (503 + Retry-After) instead of queueing without bound. At ~0.3 s a
    # verdict, 8 keeps the worst wait near 2-3 s.
    api_max_requests: int = 8
    # A request's body must keep coming: after the first seconds, at least this many bytes a second
    # on average, or it is cut with 408 (a client trickling a byte at a time would hold its
    # admission slot for as long as it likes).
    api_body_grace_s: float = 5.0
    api_min_body_bytes_per_s: int = 10 * 1024
    # Sorting a pile of photos by person: at most this many photos in one pile on the page (a zip
    # included) and in one POST /v1/group or bulk enrolment; more, by `facekit group FOLDER`.
    max_pile_photos: int = 1000
    max_pile_bytes: int = 4 * 1024**3  # a page's pile, unpacked, on disk (1,000 phone photos of ~4 MB)
    api_max_pile_photos: int = 100
    api_max_pile_bytes: int = 200 * 1024 * 1024  # a request's body, and its photos unpacked
    # Faces: a photo's largest this many are kept (a crowd's farthest faces say little), and a pile
    # of more faces in all is refused before it is grouped (grouping 10,000 takes seconds).
    max_faces_per_photo: int = 100
    max_pile_faces: int = 10_000

    # Data set building.
    anchor_min_images: int = 5
    seed: int = 42

    @property
    def face_finder_dir(self) -> Path:
        """The fast face finder's networks: shipped with facekit, never trained here, so a
        ``models_dir`` of one's own (e.g. for training) falls back to the repository's."""
        own = self.models_dir / "face_finder"
        return own if own.is_dir() else PROJECT_ROOT / "models" / "face_finder"

    @property
    def chips_dir(self) -> Path:
        finder = "" if self.face_finder == "mtcnn" else f"-{self.face_finder}"  # each finder places faces its own way
        if self.chip_style == "arcface" and self.chip_size == 112:  # the first chips' folder, kept
            return self.data_dir / ".chips" / f"v{self.pipeline_version}{finder}"
        return self.data_dir / ".chips" / f"{self.chip_style}{self.chip_size}-v{self.pipeline_version}{finder}"

    @property
    def faces_dir(self) -> Path:
        """Where the face found in each photo is cached (one per finder)."""
        finder = "" if self.face_finder == "mtcnn" else f"{self.face_finder}-"
        return self.data_dir / ".chips" / f"faces-{finder}v{self.pipeline_version}"

    @property
    def lfw_dir(self) -> Path:
        """The untouched copy of LFW: ``<Name>/<Name>_NNNN.jpg``."""
        return self.data_dir / "lfw"

    @property
    def protocol_dir(self) -> Path:
        """LFW's protocol text files (pairs.txt, pairsDevTest.txt, peopleDevTrain.txt, ...)."""
        return self.data_dir / "lfw_protocol"

    @property
    def baseline_path(self) -> Path:
        return self.models_dir / "baseline_gnb.npz"

    @property
    def siamese_path(self) -> Path:
        """The Siamese model ``config.model`` names."""
        return self.models_dir / f"{self._model_stem}.keras"

    @property
    def siamese_litert_path(self) -> Path:
        """That model's tower exported for LiteRT (what answers; facekit/model/export.py)."""
        return self.models_dir / f"{self._model_stem}.tflite"

    @property
    def siamese_info_path(self) -> Path:
        """Thresholds, calibration, chip framing and training record saved with that model."""
        return self.models_dir / f"{self._model_stem}.json"

    @property
    def _model_stem(self) -> str:
        if self.model not in MODELS:
            raise ValueError(f"Unknown model {self.model!r}: choose one of {', '.join(MODELS)}")
        return MODELS[self.model]

    @property
    def metrics_path(self) -> Path:
        return self.models_dir / "metrics.json"

    @property
    def gallery_path(self) -> Path:
        """The SQLite gallery used when ``gallery_url`` is empty."""
        return self.data_dir / "gallery.sqlite3"

    @property
    def gallery_keys_path(self) -> Path:
        """The gallery's per-person keys (with either database)."""
        return Path(self.gallery_keys) if self.gallery_keys else self.data_dir / "gallery_keys.sqlite3"

    @property
    def pairs_csv(self) -> Path:
        return self.data_dir / "pairs.csv"

    def with_(self, **changes) -> "Config":
        return replace(self, **changes)

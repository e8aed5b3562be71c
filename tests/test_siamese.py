import zipfile

import keras
import numpy as np
import pytest

from facekit import Config
from facekit.model.layers import CosFaceLogits
from facekit.model.siamese import build_embedding, build_siamese, load_siamese


def _chips(n, seed=0):
    return np.random.default_rng(seed).random((n, 112, 112, 3)).astype("float32")


SIZE = Config().siamese_size


def test_embedding_is_unit_length_and_small():
    tower = build_embedding(Config())
    vectors = tower.predict(np.random.default_rng(0).random((3, SIZE, SIZE, 3)), verbose=0)
    assert vectors.shape == (3, 128)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert tower.count_params() < 1_000_000


def test_siamese_gives_a_symmetric_probability():
    model = build_siamese(Config())
    a, b = _chips(4, 1), _chips(4, 2)
    p_ab = model.predict([a, b], verbose=0)
    assert p_ab.shape == (4, 1) and ((0 <= p_ab) & (p_ab <= 1)).all()
    np.testing.assert_allclose(p_ab, model.predict([b, a], verbose=0), atol=1e-6)


def test_save_and_reload_in_safe_mode_gives_identical_outputs(tmp_path):
    model = build_siamese(Config())
    model.get_layer("same_probability").set_weights([np.full((128, 1), -3.0, "float32"), np.array([1.0], "float32")])
    path = tmp_path / "siamese.keras"
    model.save(path)
    assert path.stat().st_size < 20 * 2**20
    with zipfile.ZipFile(path) as archive:
        assert "Lambda" not in archive.read("config.json").decode()
    a, b = _chips(3, 3), _chips(3, 4)
    np.testing.assert_array_equal(load_siamese(path).predict([a, b], verbose=0), model.predict([a, b], verbose=0))


def test_the_tower_learns_a_step_as_an_identity_classifier():
    keras.utils.set_random_seed(0)
    tower = build_embedding(Config())
    image, label = keras.Input((SIZE, SIZE, 3)), keras.Input((), dtype="int32")
    classifier = keras.Model([image, label], CosFaceLogits(4, 30.0, 0.35)([tower(image), label]))
    classifier.compile(optimizer=keras.optimizers.Adam(1e-3),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 4)
    images = np.clip(rng.normal(0.2 + labels[:, None, None, None] * 0.2, 0.05, (16, SIZE, SIZE, 3)), 0, 1).astype("float32")
    before = [w.copy() for w in tower.get_weights()]
    history = classifier.fit([images, labels], labels, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert any(not np.array_equal(b, a) for b, a in zip(before, tower.get_weights()))


def test_both_augmentations_give_the_towers_input_and_only_phone_damages_the_photo():
    import tensorflow as tf

    from facekit.model.train import _augment

    grey = tf.fill((112, 112, 3), 0.5)  # light and colour changes keep a flat grey flat; damage does not
    for augmentation, size in (("light", 80), ("phone", 96)):
        augment = _augment(Config().with_(augmentation=augmentation, siamese_size=size))
        tf.random.set_seed(0)
        outputs = np.stack([augment(grey).numpy() for _ in range(40)])
        assert outputs.shape == (40, size, size, 3) and outputs.min() >= 0.0 and outputs.max() <= 1.0
        spread = outputs.reshape(40, -1).std(axis=1)
        if augmentation == "light":
            assert spread.max() < 1e-3
        else:
            assert (spread > 0.01).any()  # an occluding patch or JPEG blocks now and then
    with pytest.raises(ValueError, match="'light' or 'phone'"):
        _augment(Config().with_(augmentation="Phone"))

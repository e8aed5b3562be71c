"""Seconds per epoch and peak memory of Siamese training (2 epochs, into a temporary folder)."""

import tempfile
from pathlib import Path

from facekit import Config, train_siamese


def main() -> None:
    with tempfile.TemporaryDirectory() as models_dir:
        record = train_siamese(Config(models_dir=Path(models_dir)), workers=2, progress=True, epochs=2)
    print(f"{record['split']['training_photos']} photos of {record['split']['training_people']} people")
    print(f"  tower training  {record['tower_training_seconds'] / record['epochs_run']:.0f} s per epoch (incl. validation)")
    print(f"  whole run       {record['training_seconds']:.0f} s for {record['epochs_run']} epochs")
    print(f"  peak memory     {record['peak_memory_mib']} MiB (resident set)")


if __name__ == "__main__":
    main()

"""A pile of photos sorted by person, free of Streamlit: ``pile`` (every face of every photo of
files and folders, with the files that could not be read or had no face), ``groups`` (the faces
grouped by person with the model's own P(same) and lines), ``find`` (the photos where one person
appears).

May import: ``facekit.gallery`` and everything below it.
"""

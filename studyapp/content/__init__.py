"""The content import: reads the content folder and has each app save its own rows.

The top layer below the site's URLs: it may import every app, and no app imports it.
"""

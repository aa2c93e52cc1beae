"""Server-rendered pages for the bedside: Jinja2 templates over the same services as the API.

Every page is plain HTML forms that work on a tablet without a JavaScript framework; the little
script there is only hides scale items that do not apply.
"""

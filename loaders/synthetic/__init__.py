"""Synthetic reports with their gold, in every template version and file format (`nianbao generate`)."""

# the file formats the generator writes; the command line lists them without loading the generator
FORMATS = ("txt", "md", "html", "docx", "pdf")
DEFAULT_FORMATS = ("txt", "md", "html", "docx")

"""Synthetic reports with their gold, in every template version and file format (`nianbao generate`)."""

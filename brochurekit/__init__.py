"""Build patient-education brochures in many languages as print-ready PDFs."""

__version__ = "0.1.0"

"""The one family of user errors: each names the file and, where known, the line."""

from __future__ import annotations


class BrochureError(Exception):
    """A problem in the user's input that the user can fix."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __reduce__(self):  # noqa: ANN204
        """Pickle with file and line, so errors cross from build workers intact."""
        return (type(self), (self.message, self.file, self.line))

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class ContentError(BrochureError):
    """A topic or shared YAML file is malformed or inconsistent."""


class CatalogError(BrochureError):
    """A translation catalog is malformed or incomplete."""


class FontError(BrochureError):
    """The fonts configured for a language cannot draw its text."""


class RenderError(BrochureError):
    """A brochure could not be turned into a PDF."""


class ErrorList(BrochureError):
    """Several problems found at once; each names its own file and line."""

    def __init__(self, errors: list[BrochureError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def __reduce__(self):  # noqa: ANN204
        return (type(self), (self.errors,))

    def __str__(self) -> str:
        return self.message


class ContentErrors(ErrorList, ContentError):
    """Several content files are broken."""


class CatalogErrors(ErrorList, CatalogError):
    """Several catalogs are broken."""

"""Assemble a release: every released PDF, a manifest, checksums and an index page.

`release` builds (incrementally, in a cache folder) and, only if every brochure built,
replaces `dist/` in one move, so a failed release leaves the previous one untouched.
`--shard I/N` builds a stable slice for one CI runner; `merge` joins the shards.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .build import (
    BuildOptions,
    BuildState,
    build,
    build_timestamp,
    overdue,
    sha256_file,
)
from .catalogs import Translator, languages
from .content import Content, Topic, load_content
from .errors import BrochureError
from .files import git, write_atomically
from .gate import load_translator
from .project import load_project
from .render import Language, long_date, make_environment, render_html, translate

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
MARK = ".brochurekit-release"  # written into every release: it may be replaced by the next
THUMBNAIL_WIDTH = 240  # pixels
THUMBNAILS = ".thumbnails"  # in the release cache: thumbnails by their PDF's SHA-256
ENTRIES = ".release-entries.json"  # in the release cache: the last entries, see _entries
# The web edition's stylesheet: the brochure's type and components, set for a screen.
WEB_STYLESHEETS = ("tokens.css", "fonts.css", "type.css", "components.css", "web.css")


@dataclass(frozen=True)
class Shard:
    """One slice of the brochures: number `index` (from 1) of `count`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Read `I/N`, such as `2/4`."""
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise BrochureError(f"a shard is I/N, such as 2/4, got {text!r}") from None
        if not 1 <= index <= count:
            raise BrochureError(f"shard {text!r}: I must be between 1 and N")
        return cls(index, count)

    def takes(self, position: int) -> bool:
        """Say whether the brochure at this position of the sorted list is ours."""
        return position % self.count == self.index - 1


def replaceable(root: Path, out: Path, keep: tuple[Path, ...] = ()) -> None:
    """Refuse a release folder that is not missing, empty or a previous release.

    A release replaces its folder whole. Anything else there would be deleted with it:
    `release --out .` would delete the project, `.git` included.
    """
    target = out.resolve()
    for kept in (root, *keep):
        if kept.resolve().is_relative_to(target):
            raise BrochureError(f"would replace {kept}, which it holds; choose an empty or "
                                "new folder", str(out))
    if not target.exists():
        return
    if not target.is_dir():
        raise BrochureError("is a file, not a release folder", str(out))
    names = {path.name for path in target.iterdir()}
    if names and MARK not in names and not {MANIFEST, CHECKSUMS} <= names:
        shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
        raise BrochureError(f"holds files that are not a release ({shown}); a release "
                            "replaces only an empty folder or a previous release", str(out))


def release(root: Path, out: Path, cache: Path, jobs: int, shard: Shard | None = None,
            force: bool = False, only: tuple[str, ...] = (), strict: bool = False,
            sites: tuple[str, ...] | None = None) -> int:
    """Build the release (or one shard of it) and swap it into `out`; return the failures.

    The cache is trusted only where each PDF still matches what its build recorded (see
    build.BuildState); `force` builds everything again. `only` releases those languages.
    Languages declared in progress are never released: the index lists them as such.
    Beside the neutral brochures, each clinic site's are released in `<site>/`, in the
    site's languages: `sites` names them; None: every site not marked as an example.
    """
    replaceable(root, out, (cache,))
    content = load_content(root)
    late = overdue(content.topics, build_timestamp(root))
    if strict and late:
        for topic in late:
            log.error("%s: review overdue since %s", topic.file,
                      topic.review.next_review_due.isoformat())
        log.error("release not written: --strict refuses %d overdue topics; %s is unchanged",
                  len(late), out)
        return len(late)
    known, unfinished = languages(root), load_project(root).in_progress
    for lang in only:
        if lang not in known:
            raise BrochureError(f"no catalog for {lang!r} (languages: {', '.join(known)})")
        if lang in unfinished:
            log.warning("%s is in progress (pyproject.toml): it is not released", lang)
    released = [lang for lang in known if lang not in unfinished and (not only or lang in only)]
    chosen = _sites(root, sites)
    plan = [(None, lang, topic.id) for lang in released for topic in content.topics] + [
        (site, lang, topic.id) for site in chosen for lang in site.languages
        if lang in released for topic in content.topics]
    if shard:
        plan = [each for i, each in enumerate(plan) if shard.takes(i)]
    results: list = []
    by_site: dict = {}
    for site in (None, *chosen):
        pairs = tuple((lang, topic) for owner, lang, topic in plan if owner is site)
        if pairs:
            by_site[site] = build(root, BuildOptions(
                out=cache / site.id if site else cache, jobs=jobs, pairs=pairs, force=force,
                languages=tuple(dict.fromkeys(lang for lang, _ in pairs)), site=site))
            results += by_site[site]
    if not plan and shard:  # more shards than brochures: this one is empty, and says so
        log.warning("shard %d/%d holds none of the brochures; writing an empty shard",
                    shard.index, shard.count)
    elif not plan:
        raise BrochureError("nothing to release: every language chosen is in progress "
                            "(in_progress in pyproject.toml)")
    failed = [r for r in results if r.error]
    if failed:
        log.error("release not written: %d of %d brochures failed; %s is unchanged",
                  len(failed), len(results), out)
        return len(failed)
    entries = [entry for site, built in by_site.items()
               for entry in _entries(root, content, built, cache, site)]
    manifest = {
        "source_version": source_version(root),
        "created": _created(root),
        "shard": f"{shard.index}/{shard.count}" if shard else None,
        "brochures": entries,
        "in_progress": [_language(root, lang) for lang in unfinished],
        "sites": [{"site": site.id, "name": site.name, "example": site.example}
                  for site in chosen],
    }
    if _already(root, out, manifest):
        log.info("%s already holds this release (%d brochures, every file as its "
                 "checksums say): nothing to replace", out, len(entries))
        return 0
    assemble(root, manifest, {name: cache / name for e in entries
                              for name in (e["file"], e["web_page"])}, out,
             thumbnails=None if shard else cache / THUMBNAILS)
    log.info("released %d brochures, each as PDF and web page, to %s", len(entries), out)
    return 0


def _already(root: Path, out: Path, manifest: dict) -> bool:
    """Say whether `out` is a release of exactly this manifest and index, every file in it
    as its SHA256SUMS says and no other file: then writing it again would change nothing."""
    if not (out / MARK).is_file():
        return False
    try:
        written = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        sums = (out / CHECKSUMS).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError):
        return False
    expected = {**manifest, "brochures": sorted(
        ({**entry, "thumbnail": _thumbnail_path(entry["file"])}
         for entry in manifest["brochures"]), key=_order)}
    if written != expected:
        return False
    try:
        if (out / "index.html").read_text(encoding="utf-8") != _index(root, expected):
            return False
    except (OSError, UnicodeDecodeError):
        return False
    listed = {}
    for line in sums:
        digest, _, name = line.partition("  ")
        listed[name] = digest
    present = {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}
    if present != set(listed) | {CHECKSUMS}:
        return False
    try:
        return all(sha256_file(out / name) == digest for name, digest in listed.items())
    except OSError:
        return False


def _sites(root: Path, named: tuple[str, ...] | None) -> list:
    """Return the sites a release holds: those named, else every one not an example."""
    from .render import PAPER_SIZES
    from .sites import load_sites

    known = load_sites(root, tuple(languages(root)), tuple(PAPER_SIZES))
    for site_id in named or ():
        if site_id not in known:
            raise BrochureError(f"unknown site {site_id!r} (sites: "
                                f"{', '.join(known) or 'none'})")
    if named is None:
        return [site for site in known.values() if not site.example]
    return [known[site_id] for site_id in dict.fromkeys(named)]


def _entries(root: Path, content: Content, results: list, cache: Path,
             site=None) -> list[dict]:  # noqa: ANN001 (a sites.Site, or None)
    """Return each brochure's manifest entry, its web page written beside its PDF.

    A brochure whose PDF the build found up to date keeps the entry and web page the last
    release made of it, if they were made from the same inputs (the build state's input
    hash, which covers the catalogs, rules, templates and styles) and the web page is
    unchanged since. Only the others load their language's catalog and run its rules
    again (the web page prints the same entries as the PDF), which is most of a release's
    time when nothing changed.
    """
    if not results:  # an empty shard: nothing built, nothing to record
        return []
    folder = cache / site.id if site else cache  # where its build wrote, with its state
    prefix = f"{site.id}/" if site else ""  # its files' place in the release
    state, known = BuildState.load(folder), _known_entries(folder)
    kept, todo = {}, []
    for result in results:
        name = f"{prefix}{result.lang}/{result.topic}"
        record = state.records.get(f"{result.lang}/{result.topic}.pdf", {})
        entry = known.get(name)
        if (not result.fresh and entry is not None and record.get("input") == entry[0]
                and entry[1].get("file") == f"{name}.pdf"
                and entry[1].get("web_page") == f"{name}.html" and _still(cache, entry[1])):
            kept[name] = entry[1]
        else:
            todo.append(result)
    translators = {lang: load_translator(root, lang, content)
                   for lang in dict.fromkeys(r.lang for r in todo)}
    pages = write_web_pages(root, content, translators, [(r.lang, r.topic) for r in todo],
                            folder, site)
    for result, page in zip(todo, pages, strict=True):
        kept[f"{prefix}{result.lang}/{result.topic}"] = _entry(
            content, translators[result.lang], result.topic, result.path, result.pages, page,
            site)
    entries = [kept[f"{prefix}{r.lang}/{r.topic}"] for r in results]
    records = {name: {"input": digest, "entry": entry}  # a shard keeps the others'
               for name, (digest, entry) in known.items()}
    records.update({name: {"input": state.records.get(
        f"{name.removeprefix(prefix)}.pdf", {}).get("input"), "entry": entry}
        for name, entry in kept.items()})
    write_atomically(folder / ENTRIES,  # in the manifest's key order
                     json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8"))
    return entries


def _known_entries(cache: Path) -> dict[str, tuple[str, dict]]:
    """Read the entries the last release into this cache made: {lang/topic: (input hash,
    entry)}; nothing if there are none or they are unreadable."""
    try:
        data = json.loads((cache / ENTRIES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {name: (record["input"], record["entry"]) for name, record in data.items()
            if isinstance(record, dict) and isinstance(record.get("input"), str)
            and isinstance(record.get("entry"), dict)}


def _still(cache: Path, entry: dict) -> bool:
    """Say whether an entry's PDF and web page are still the files it describes."""
    try:
        return all(isinstance(entry.get(key), str) and isinstance(entry.get(digest), str)
                   and sha256_file(cache / entry[key]) == entry[digest]
                   for key, digest in (("file", "sha256"), ("web_page", "web_page_sha256")))
    except (OSError, ValueError):
        return False


STYLE_ASSET = re.compile(r"url\(([\w-]+\.svg)\)")  # a drawing beside the stylesheets


def web_stylesheet(root: Path) -> str:
    """Return the web edition's stylesheet, from the project's styles/, with the drawings
    it uses inside it (the cover's), so that the page stands alone and works offline."""
    css = "\n".join((root / "styles" / name).read_text(encoding="utf-8")
                    for name in WEB_STYLESHEETS)

    def inline(match: re.Match) -> str:
        data = base64.b64encode((root / "styles" / match[1]).read_bytes()).decode("ascii")
        return f'url("data:image/svg+xml;base64,{data}")'

    return STYLE_ASSET.sub(inline, css)


def write_web_pages(root: Path, content: Content, translators: dict[str, Translator],
                    pairs: list[tuple[str, str]], folder: Path,
                    site=None) -> list[Path]:  # noqa: ANN001 (a sites.Site, or None)
    """Write each brochure's web edition, `<lang>/<topic>.html`: a standalone page with
    the PDF's content (a site's too, its logo inside), its stylesheet inside, no script.
    Return the paths."""
    env, css, created = make_environment(root / "templates"), web_stylesheet(root), \
        build_timestamp(root)
    logo = None
    if site is not None and site.logo:
        kind = "image/svg+xml" if site.logo.endswith(".svg") else "image/png"
        logo = f"data:{kind};base64," + base64.b64encode((root / site.logo).read_bytes()
                                                         ).decode("ascii")
    written = []
    for lang, topic_id in pairs:
        html = render_html(env, content.topic(topic_id), translators[lang], "letter",
                           created=created, web_css=css, site=site, logo=logo).html
        target = folder / lang / f"{topic_id}.html"
        write_atomically(target, html.encode("utf-8"))
        written.append(target)
    return written


def merge(root: Path, shards: list[Path], out: Path) -> None:
    """Join the shards' releases into one, checking every file against its manifest."""
    replaceable(root, out, tuple(shards))
    entries, files, versions, labels = [], {}, set(), []
    for folder in shards:
        manifest = _read_manifest(folder)
        versions.add(manifest.get("source_version"))
        labels.append(manifest.get("shard"))
        for entry in manifest["brochures"]:
            for name, digest in ((entry["file"], entry["sha256"]),
                                 (entry["web_page"], entry["web_page_sha256"])):
                path = folder / name
                try:
                    found = sha256_file(path)
                except OSError:
                    raise BrochureError("is in its shard's manifest but missing",
                                        str(path)) from None
                if found != digest:
                    raise BrochureError("does not match its manifest's sha256", str(path))
                if name in files:
                    raise BrochureError("is in two shards", name)
                files[name] = path
            entries.append(entry)
    if len(versions) > 1:
        raise BrochureError(f"shards come from different sources: {sorted(versions)}")
    _all_shards(shards, labels)
    unfinished = load_project(root).in_progress
    sites = {site["site"]: site for folder in shards
             for site in _read_manifest(folder).get("sites") or ()
             if isinstance(site, dict) and isinstance(site.get("site"), str)}
    manifest = {"source_version": versions.pop() if versions else None,
                "created": _created(root), "shard": None, "brochures": entries,
                "in_progress": [_language(root, lang) for lang in unfinished],
                "sites": [sites[key] for key in sorted(sites)]}
    assemble(root, manifest, files, out)


def _all_shards(folders: list[Path], labels: list[object]) -> None:
    """Refuse a merge that is not every shard of one release, each once: a merge of
    shard 1 of 2 alone would publish half the brochures."""
    try:
        shards = [Shard.parse(label) for label in labels]
    except (BrochureError, AttributeError, TypeError):
        bad = next(f for f, label in zip(folders, labels, strict=True)
                   if not isinstance(label, str) or "/" not in label)
        raise BrochureError("is not a shard (release --shard I/N writes shards)",
                            str(bad)) from None
    counts = {shard.count for shard in shards}
    if len(counts) > 1:
        raise BrochureError(f"the shards split the release differently: "
                            f"{sorted(f'{s.index}/{s.count}' for s in shards)}")
    count = counts.pop()
    indexes = sorted(shard.index for shard in shards)
    missing = sorted(set(range(1, count + 1)) - set(indexes))
    if missing or len(indexes) != len(set(indexes)):
        listed = ", ".join(f"{i}/{count}" for i in missing) or "none"
        raise BrochureError(f"a merge needs every shard once; missing: {listed}; given: "
                            f"{', '.join(f'{i}/{count}' for i in indexes)}")


ENTRY_TEXT = ("topic", "language", "file", "sha256", "web_page", "web_page_sha256")


def _read_manifest(folder: Path) -> dict:
    """Read a shard's manifest, refusing one that is not what `release` writes: every
    entry with its text fields, and files named inside the shard, nowhere else."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BrochureError(f"not a release shard: {error}", str(path)) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("brochures"), list):
        raise BrochureError("not a release manifest: no list of brochures", str(path))
    for number, entry in enumerate(manifest["brochures"], 1):
        where = f"brochures[{number}]"
        if not isinstance(entry, dict):
            raise BrochureError(f"{where}: expected an object", str(path))
        for key in ENTRY_TEXT:
            if not isinstance(entry.get(key), str):
                raise BrochureError(f"{where}: {key} must be text", str(path))
        for key in ("file", "web_page"):
            name = entry[key]
            parts = Path(name).parts
            if (Path(name).is_absolute() or ".." in parts or ":" in name or "\\" in name
                    or len(parts) != 2 or parts[0] != entry["language"]):
                raise BrochureError(f"{where}: {key} {name!r} is not <language>/<file> "
                                    "inside the shard", str(path))
    return manifest


def assemble(root: Path, manifest: dict, files: dict[str, Path], out: Path,
             thumbnails: Path | None = None) -> None:
    """Write PDFs, thumbnails, manifest, checksums and index to a new folder; swap it in.

    `thumbnails`: a folder of thumbnails named by their PDF's SHA-256, reused when the
    PDF is unchanged (a thumbnail is rendered from the PDF alone), kept to those used."""
    manifest["brochures"].sort(key=_order)
    out.parent.mkdir(parents=True, exist_ok=True)
    clear_leftovers(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, source in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        for entry in manifest["brochures"]:
            entry["thumbnail"] = _thumbnail(staging / entry["file"], staging, thumbnails)
        if thumbnails is not None:
            used = {sha256_file(staging / e["file"]) + ".png" for e in manifest["brochures"]}
            for stale in thumbnails.glob("*.png"):
                if stale.name not in used:
                    stale.unlink()
        (staging / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (staging / "index.html").write_text(_index(root, manifest), encoding="utf-8")
        (staging / MARK).write_text("A brochurekit release: `release` may replace this "
                                    "folder.\n", encoding="utf-8")
        (staging / CHECKSUMS).write_text(_checksums(staging))
        _publishable(staging)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _language(root: Path, lang: str) -> dict:
    """Name a language in its own words, for the index."""
    from .catalogs import validate_language

    language = Language.from_locale(lang, validate_language(lang))
    return {"language": lang, "language_name": language.name,
            "direction": language.direction}


def _checksums(folder: Path) -> str:
    """Return SHA256SUMS lines for every file of a release but the list itself."""
    names = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                   if path.is_file() and path.name != CHECKSUMS)
    return "".join(f"{sha256_file(folder / name)}  {name}\n" for name in names)


def _entry(content: Content, translator: Translator, topic_id: str, path: Path,
           pages: int, web_page: Path, site=None) -> dict:  # noqa: ANN001 (a sites.Site)
    """Describe one released brochure for the manifest."""
    prefix = f"{site.id}/" if site else ""
    topic = content.topic(topic_id)
    lang = translator.lang
    reading = translator.reading()  # the share of its units translated
    for message in topic.messages():
        translate(reading, message)
    language = Language.from_locale(lang, translator.locale)
    return {
        "topic": topic_id,
        "language": lang,
        "language_name": language.name,
        "direction": language.direction,
        "title": translate(translator, topic.title),
        "site": site.id if site else None,
        "site_name": site.name_in(lang) if site else None,
        "file": f"{prefix}{lang}/{topic_id}.pdf",
        "sha256": sha256_file(path),
        "web_page": f"{prefix}{lang}/{topic_id}.html",
        "web_page_sha256": sha256_file(web_page),
        "bytes": path.stat().st_size,
        "pages": pages or _pages(path),
        "completeness": round(reading.percent, 1),
        "last_reviewed": topic.review.last_reviewed.isoformat(),
        "next_review_due": topic.review.next_review_due.isoformat(),
        "reviewed_dates": {  # as the brochure prints them
            "last": long_date(topic.review.last_reviewed, translator.locale),
            "next": long_date(topic.review.next_review_due, translator.locale),
        },
        "translation_review": _review(translator, topic),
    }


def _review(translator: Translator, topic: Topic) -> dict | None:
    """Say who checked the translation a brochure prints, and what changed since."""
    status = translator.review_status({(m.context, m.text) for m in topic.messages()})
    if status is None:
        return None
    return {"reviewer": status.reviewer, "date": status.date.isoformat(),
            "changed_since": status.changed}


def _pages(path: Path) -> int:
    """Count a PDF's pages (for brochures the build found already up to date)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def _order(entry: dict) -> tuple[str, str, str]:
    """Order the manifest's brochures: the neutral ones, then each site's; by language."""
    return entry.get("site") or "", entry["language"], entry["topic"]


def _thumbnail_path(file: str) -> str:
    """Return where a brochure's thumbnail is in the release."""
    return (Path("thumbnails") / file).with_suffix(".png").as_posix()


def _thumbnail(pdf: Path, folder: Path, cache: Path | None = None) -> str:
    """Render the first page as a PNG beside the index, or copy it from `cache` where the
    same PDF's is; return its relative path."""
    relative = Path(_thumbnail_path(pdf.relative_to(folder).as_posix()))
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if cache is None:
        _render_thumbnail(pdf, target)
        return relative.as_posix()
    cached = cache / f"{sha256_file(pdf)}.png"
    if not cached.is_file():
        _render_thumbnail(pdf, target)
        write_atomically(cached, target.read_bytes())
    else:
        shutil.copyfile(cached, target)
    return relative.as_posix()


def _render_thumbnail(pdf: Path, target: Path) -> None:
    """Render a PDF's first page, THUMBNAIL_WIDTH wide, as a PNG at `target`."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=THUMBNAIL_WIDTH / page.get_width()).to_pil()
        image.save(target, optimize=True)
    finally:
        document.close()


def _index(root: Path, manifest: dict) -> str:
    """Render the release's index page: brochures by language, with thumbnails."""
    env = make_environment(root / "templates" / "release")
    by_language: dict[str, list[dict]] = {}
    by_site: dict[str, dict[str, list[dict]]] = {}
    for entry in manifest["brochures"]:
        if entry.get("site"):
            by_site.setdefault(entry["site"], {}).setdefault(entry["language"], []).append(entry)
        else:
            by_language.setdefault(entry["language"], []).append(entry)
    names = {site["site"]: site["name"] for site in manifest.get("sites") or ()}
    return env.get_template("index.html.j2").render(
        manifest=manifest, languages=by_language,
        sites={site: (names.get(site, site), langs) for site, langs in by_site.items()})


def clear_leftovers(out: Path) -> None:
    """Remove the folders an interrupted release left beside `out`: its staging folder
    (`.dist.` and 8 characters from mkdtemp) and the previous release being replaced
    (`.dist.old`). Nothing else is touched."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.([a-z0-9_]{{8}}|old)")
    for leftover in out.parent.glob(f".{out.name}.*"):
        if pattern.fullmatch(leftover.name) and leftover.is_dir() and not leftover.is_symlink():
            log.info("removing %s, left by an interrupted release", leftover)
            shutil.rmtree(leftover)


def _publishable(folder: Path) -> None:
    """Make a staged release readable by others, as a web server needs (mkdtemp made it
    private), and put every file on disk before the folder takes the release's name."""
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for path in sorted(folder.rglob("*"), reverse=True):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _swap(staging: Path, out: Path) -> None:
    """Replace `out` with `staging` in one rename (the old folder is removed after)."""
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def source_version(root: Path) -> str | None:
    """Return `git describe` of the sources, or None outside a repository."""
    return git(root, "describe", "--always", "--dirty", "--tags")


def _created(root: Path) -> str | None:
    stamp = build_timestamp(root)
    return stamp.astimezone(dt.UTC).isoformat() if stamp else None

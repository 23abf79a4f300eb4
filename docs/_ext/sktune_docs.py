"""Sphinx helpers of the sktune docs: Markdown files included as reStructuredText.

Two pages are written in Markdown by others (``docs/dask.md`` and
``benchmarks/README.md``); the docs build has no Markdown parser, so the
``markdown-include`` directive converts a file to reStructuredText with
markdown-it-py (a dependency of Keras, through rich) and inserts it like
``.. include::``::

    .. markdown-include:: /../benchmarks/README.md
       :heading-offset: 1
       :skip-title:

       Fallback reStructuredText, used while the file does not exist.

The conversion covers what these files use: headings, paragraphs, emphasis,
inline code, links, images, lists, block quotes, fenced code and pipe tables.
"""

import os
from pathlib import Path

from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

# Adornment characters by section depth, as the .rst pages of these docs use them.
_ADORNMENTS = ["=", "-", "~", "^", '"', "'"]
# reStructuredText inline markup must touch whitespace or one of these.
_BEFORE_MARKUP = set(" \t\n'\"([{<-/:")
_AFTER_MARKUP = set(" \t\n'\")]}>-/:.,;!?\\")
_LEXERS = {
    "python": "python", "py": "python", "pycon": "pycon", "bash": "bash", "sh": "bash",
    "shell": "bash", "console": "console", "text": "text", "": "text", "toml": "toml",
    "ini": "ini", "cfg": "ini", "yaml": "yaml", "yml": "yaml", "json": "json",
}


def _escape(text):
    for char in "\\`*_|":
        text = text.replace(char, "\\" + char)
    return text


def _markup(inner, start, end=None):
    inner = inner.strip()
    return ("markup", f"{start}{inner}{end or start}") if inner else ("text", "")


class _Converter:
    def __init__(self, heading_offset, skip_title, source_dir, srcdir):
        self.heading_offset = heading_offset
        self.skip_title = skip_title
        self.source_dir = Path(source_dir)
        self.srcdir = Path(srcdir)
        self.last_rank = heading_offset - 1
        self.ranks = {}

    # -- inline -------------------------------------------------------------------------
    def _plain(self, node):
        if node.type in ("text", "code_inline", "html_inline"):
            return node.content
        if node.type in ("softbreak", "hardbreak"):
            return " "
        return "".join(self._plain(child) for child in node.children)

    def _pieces(self, node):
        kind = node.type
        if kind == "text":
            return [("text", _escape(node.content))]
        if kind in ("softbreak", "hardbreak"):
            return [("text", " ")]
        if kind == "code_inline":
            return [_markup(node.content.replace("``", "` `"), "``")]
        if kind == "strong":
            return [_markup(_escape(self._plain(node)), "**")]
        if kind == "em":
            return [_markup(_escape(self._plain(node)), "*")]
        if kind == "link":
            text = self._plain(node).strip()
            url = node.attrs.get("href", "")
            if not url or url.startswith("#"):
                return [("text", _escape(text))]
            if text == url:
                return [("text", url)]
            label = text.replace("<", "\\<").replace("`", "\\`")
            return [("markup", f"`{label} <{url}>`__")]
        if kind == "image":
            return [("text", _escape(self._plain(node) or node.attrs.get("alt", "")))]
        if kind == "html_inline":
            return [("text", "")]
        pieces = []
        for child in node.children:
            pieces.extend(self._pieces(child))
        return pieces

    def inline(self, node):
        pieces = [p for p in self._pieces(node) if p[1]]
        out = ""
        for i, (kind, text) in enumerate(pieces):
            if kind == "markup":
                if out and out[-1] not in _BEFORE_MARKUP:
                    out += "\\ "
                out += text
                following = pieces[i + 1][1] if i + 1 < len(pieces) else ""
                if following and following[0] not in _AFTER_MARKUP:
                    out += "\\ "
            else:
                out += text
        return " ".join(out.split())

    # -- blocks -------------------------------------------------------------------------
    def blocks(self, nodes):
        lines = []
        for node in nodes:
            block = self.block(node)
            if block:
                if lines:
                    lines.append("")
                lines.extend(block)
        return lines

    def block(self, node):
        kind = node.type
        if kind == "heading":
            return self.heading(node)
        if kind == "paragraph":
            images = [c for c in node.children[0].children if c.type == "image"] if node.children else []
            if len(images) == 1 and not self._plain(node.children[0]).strip(" " + self._plain(images[0])):
                return self.image(images[0])
            text = self.inline(node.children[0]) if node.children else ""
            return [text] if text else []
        if kind in ("bullet_list", "ordered_list"):
            return self.listing(node)
        if kind in ("fence", "code_block"):
            language = (node.info or "").split()[0].lower() if kind == "fence" and node.info else ""
            body = node.content.rstrip("\n").splitlines()
            return [f".. code-block:: {_LEXERS.get(language, 'text')}", ""] + [
                "   " + line if line.strip() else "" for line in body
            ]
        if kind == "blockquote":
            inner = self.blocks(node.children)
            return [".. pull-quote::", ""] + ["   " + line if line else "" for line in inner]
        if kind == "table":
            return self.table(node)
        if kind == "html_block":
            body = node.content.rstrip("\n").splitlines()
            return [".. raw:: html", ""] + ["   " + line for line in body]
        if kind == "hr":
            return []
        return self.blocks(node.children)

    def heading(self, node):
        level = int(node.tag[1])
        if self.skip_title:
            self.skip_title = False
            if level == 1:
                return []
        rank = self.ranks.setdefault(level, len(self.ranks))
        # Never deeper than one level below the previous heading: docutils refuses jumps.
        rank = min(rank + self.heading_offset, self.last_rank + 1, len(_ADORNMENTS) - 1)
        self.last_rank = rank
        title = self.inline(node.children[0])
        return [title, _ADORNMENTS[rank] * max(len(title), 4)]

    def image(self, node):
        source = node.attrs.get("src", "")
        alt = node.attrs.get("alt", "") or self._plain(node)
        if "://" in source:
            return [f".. image:: {source}", f"   :alt: {alt}"]
        path = (self.source_dir / source).resolve()
        if not path.is_file():  # a plot not produced yet: keep its description
            return [_escape(alt)] if alt else []
        relative = os.path.relpath(path, self.srcdir).replace(os.sep, "/")
        return [f".. image:: /{relative}", f"   :alt: {alt}"]

    def listing(self, node):
        lines = []
        start = int(node.attrs.get("start", 1) or 1)
        for i, item in enumerate(node.children):
            marker = "-" if node.type == "bullet_list" else f"{start + i}."
            body = self.blocks(item.children) or [""]
            indent = " " * (len(marker) + 1)
            lines.append(f"{marker} {body[0]}".rstrip())
            lines.extend(indent + line if line else "" for line in body[1:])
        return lines

    def table(self, node):
        rows = [tr for section in node.children for tr in section.children]
        header_rows = len(node.children[0].children) if node.children[0].type == "thead" else 0
        lines = [".. list-table::", f"   :header-rows: {header_rows}", "   :class: sktune-table", ""]
        for row in rows:
            for j, cell in enumerate(row.children):
                text = self.inline(cell.children[0]) if cell.children else ""
                marker = "* -" if j == 0 else "  -"
                lines.append(f"   {marker} {text}".rstrip())
        return lines


def markdown_to_rst(text, *, heading_offset=0, skip_title=False, source_dir=".", srcdir="."):
    """Convert Markdown text to a list of reStructuredText lines."""
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    parser = MarkdownIt("commonmark").enable("table")
    tree = SyntaxTreeNode(parser.parse(text))
    converter = _Converter(heading_offset, skip_title, source_dir, srcdir)
    return converter.blocks(tree.children) + [""]


class MarkdownInclude(SphinxDirective):
    """Insert a Markdown file, converted; the directive's content if it is missing."""

    required_arguments = 1
    has_content = True
    option_spec = {
        "heading-offset": directives.nonnegative_int,
        "skip-title": directives.flag,
    }

    def run(self):
        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(path)
        if os.path.isfile(path):
            lines = markdown_to_rst(
                Path(path).read_text(encoding="utf-8"),
                heading_offset=self.options.get("heading-offset", 0),
                skip_title="skip-title" in self.options,
                source_dir=os.path.dirname(path),
                srcdir=self.env.srcdir,
            )
            source = path
        else:
            lines, source = list(self.content), self.get_source_info()[0]
        self.state_machine.insert_input(lines, str(source))
        return []


def setup(app):
    app.add_directive("markdown-include", MarkdownInclude)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}

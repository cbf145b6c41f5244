"""Small sample archives (one file per format, a corrupt one, one with references): for the tests,
the benchmark and trying the command."""

from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path

SENTENCES = [
    ("他们在经济、贸易、科技、安全等领域加紧脱钩。",
     "He stepped up decoupling in economic, trade, science and technology, security and other fields.",
     "He stepped up decoupling in the economic, trade, science and technology, and security fields."),
    ("其一系列举措仓促出台，却让市场平静下来。", "Their series of measures, taken in haste, have calmed the market.",
     "Their measures, taken in haste, have calmed the market."),
    ("华盛顿不能也不愿解除制裁。", "Washington cannot and is not willing to lift the sanctions.",
     "Washington neither can nor will lift the sanctions."),
    # The MT's number differs from the source's (3 -> 5): the source-aware checks flag it.
    ("警方正在调查这起造成3人死亡的事故的原因。",
     "The police is investigating the cause of the accident that killed 5 people.",
     "Police are investigating the cause of the accident that killed three people."),
]


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sample_files() -> dict[str, bytes]:
    """name -> bytes: one file of each format, one corrupt file, one file with references."""
    files: dict[str, str] = {}
    tus = "".join(f'<tu tuid="{i}"><tuv xml:lang="zh"><seg>{_x(s)}</seg></tuv><tuv xml:lang="en"><seg>{_x(t)}</seg>'
                  f"</tuv></tu>" for i, (s, t, _r) in enumerate(SENTENCES, 1))
    files["memories/news.tmx"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="zh" datatype="plaintext" '
        'segtype="sentence" adminlang="en" o-tmf="x" creationtool="x" creationtoolversion="1"/>'
        f"<body>{tus}</body></tmx>\n")
    units = "".join(f'<trans-unit id="{i}"><source>{_x(s)}</source><target>{_x(t)}</target></trans-unit>'
                    for i, (s, t, _r) in enumerate(SENTENCES, 1))
    files["xliff/doc12.xlf"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        f'<file original="doc12" source-language="zh" target-language="en" datatype="plaintext"><body>{units}'
        "</body></file></xliff>\n")
    units2 = "".join(f'<unit id="u{i}"><segment><source>{_x(s)}</source><target>{_x(t)}</target></segment></unit>'
                     for i, (s, t, _r) in enumerate(SENTENCES, 1))
    files["xliff/doc20.xlf"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" '
        f'srcLang="zh" trgLang="en"><file id="f1">{units2}</file></xliff>\n')
    po = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ""]
    for i, (s, t, _r) in enumerate(SENTENCES, 1):
        po += [f"#: news.c:{i}", f'msgid "{s}"', f'msgstr "{t}"', ""]
    files["po/app.po"] = "\n".join(po)
    rows = ["doc,id,source,mt"] + [f'csvdoc,{i},"{s}","{t}"' for i, (s, t, _r) in enumerate(SENTENCES, 1)]
    files["tables/batch.csv"] = "\n".join(rows) + "\n"
    rows = ["doc\tid\tmt"] + [f"tsvdoc\t{i}\t{t}" for i, (_s, t, _r) in enumerate(SENTENCES, 1)]
    files["tables/batch.tsv"] = "\n".join(rows) + "\n"
    files["lines/feed.jsonl"] = "".join(
        json.dumps({"doc": "j1" if i < 3 else "j2", "id": f"s{i}", "source": s, "mt": t}, ensure_ascii=False) + "\n"
        for i, (s, t, _r) in enumerate(SENTENCES, 1))
    files["text/plain.txt"] = "".join(t + "\n" for _s, t, _r in SENTENCES)
    # with references: aligned text files
    files["refs/story.mt.txt"] = "".join(t + "\n" for _s, t, _r in SENTENCES)
    files["refs/story.src.txt"] = "".join(s + "\n" for s, _t, _r in SENTENCES)
    files["refs/story.ref.txt"] = "".join(r + "\n" for _s, _t, r in SENTENCES)
    # corrupt: a JSONL file whose third line is not JSON
    files["broken/bad.jsonl"] = ('{"mt": "A fine sentence."}\n{"mt": "Another fine sentence."}\n'
                                 '{"mt": "unterminated\n')
    return {name: text.encode("utf-8") for name, text in files.items()}


def write_tree(root: Path, files: dict[str, bytes] | None = None) -> Path:
    for name, data in (files or sample_files()).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def write_zip(path: Path, files: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted((files or sample_files()).items()):
            zf.writestr(name, data)
    return path


def write_tar(path: Path, files: dict[str, bytes] | None = None) -> Path:
    import io

    with tarfile.open(path, "w:gz") as tf:
        for name, data in sorted((files or sample_files()).items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tf.addfile(info, io.BytesIO(data))
    return path

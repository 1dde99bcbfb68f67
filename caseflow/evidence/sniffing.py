"""What an uploaded file really is, decided from its content against an allow-list (never from its
name or the MIME type the client sends), and a safe version of its name.

`sniff` reads the first HEAD_BYTES and the last TAIL_BYTES of a seekable binary file, and for a ZIP the
central directory (zipfile reads only the directory, nothing is decompressed). It refuses, with a Chinese
message for the user:
- executables and scripts (MZ, ELF, Mach-O, Java class, WebAssembly, `#!`, PHP, batch files);
- HTML, XML and SVG (markup that a browser could run), also when hidden in a text file;
- polyglots: a file of an allowed type that is also something else — markup or script markers in its
  first bytes, a ZIP local header inside its head, a ZIP end-of-central-directory record at its end, or a
  PDF header in its first kilobyte (readers accept `%PDF-` anywhere there);
- ZIP files other than DOCX/XLSX, and macro-enabled Office files;
- anything not on the allow-list, and text that is not UTF-8.
Pure Python, no Flask: unit-tested in tests/unit/test_sniffing.py.
"""
import codecs
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

HEAD_BYTES = 64 * 1024
TAIL_BYTES = 64 * 1024 + 22  # the ZIP end record (22 bytes) plus the longest possible ZIP comment
MAX_NAME = 200               # characters of a stored file name, extension included
MAX_EXTENSION = 16


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    mime: str
    extensions: tuple[str, ...]


ALLOWED = {t.code: t for t in (
    FileType("jpeg", "JPEG 图像", "image/jpeg", ("jpg", "jpeg")),
    FileType("png", "PNG 图像", "image/png", ("png",)),
    FileType("tiff", "TIFF 图像", "image/tiff", ("tif", "tiff")),
    FileType("pdf", "PDF 文档", "application/pdf", ("pdf",)),
    FileType("mp4", "MP4 视频", "video/mp4", ("mp4", "m4v")),
    FileType("mov", "MOV 视频", "video/quicktime", ("mov",)),
    FileType("mp3", "MP3 音频", "audio/mpeg", ("mp3",)),
    FileType("wav", "WAV 音频", "audio/wav", ("wav",)),
    FileType("m4a", "M4A 音频", "audio/mp4", ("m4a",)),
    FileType("xlsx", "Excel 工作簿（XLSX）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             ("xlsx",)),
    FileType("docx", "Word 文档（DOCX）", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             ("docx",)),
    FileType("csv", "CSV 表格（UTF-8）", "text/csv; charset=utf-8", ("csv",)),
    FileType("text", "纯文本（UTF-8）", "text/plain; charset=utf-8", ("txt",)),
)}
ALLOWED_TEXT = ("允许的类型：JPEG、PNG、TIFF 图像，PDF 文档，MP4、MOV 视频，MP3、WAV、M4A 音频，"
                "XLSX、DOCX 文档，UTF-8 编码的 CSV 或纯文本")


class Refused(ValueError):
    """The file (or its name) is not accepted; `message` is for the user, `reason` a stable code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


# ---------------------------------------------------------------- names

BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
RESERVED = re.compile(r'[<>:"|?*]')
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
FALLBACK_NAME = "未命名文件"


def clean_name(name: str | None) -> str:
    """The last path component of `name`, without characters that mean something to a filesystem or a
    shell, cut to MAX_NAME characters (the extension kept). Control characters (NUL, line breaks …) and
    direction overrides (which can disguise `fdp.exe` as `exe.pdf`) are refused, not silently removed."""
    name = unicodedata.normalize("NFC", name or "")
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise Refused("name_control", "文件名含有不可见的控制字符（如 NUL 字节或换行），已拒绝；请重命名文件后再上传")
    if any(c in BIDI_CONTROLS for c in name):
        raise Refused("name_bidi", "文件名含有改变文字方向的控制字符（可用于伪装扩展名），已拒绝；请重命名文件后再上传")
    name = re.split(r"[/\\]", name)[-1]          # ../../etc/passwd → passwd; C:\x\y.pdf → y.pdf
    name = RESERVED.sub("_", name).strip().strip(".").strip()
    if not name:
        return FALLBACK_NAME
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > MAX_EXTENSION:
        stem, ext = name, ""
    if stem.split(".")[0].lower() in WINDOWS_DEVICES:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    return stem[:MAX_NAME - len(suffix)] + suffix


def download_name(name: str, file_type: FileType) -> str:
    """The name a download is offered under: the stored name, with the detected type's extension added
    when the name's own extension says something else (a PDF named `x.exe` downloads as `x.exe.pdf`)."""
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    return name if ext in file_type.extensions else f"{name}.{file_type.extensions[0]}"


# ---------------------------------------------------------------- content

EXECUTABLES = (
    (b"MZ", "Windows 可执行程序（EXE/DLL）"),
    (b"\x7fELF", "Linux 可执行程序（ELF）"),
    (b"\xfe\xed\xfa\xce", "macOS 可执行程序（Mach-O）"),
    (b"\xfe\xed\xfa\xcf", "macOS 可执行程序（Mach-O）"),
    (b"\xce\xfa\xed\xfe", "macOS 可执行程序（Mach-O）"),
    (b"\xcf\xfa\xed\xfe", "macOS 可执行程序（Mach-O）"),
    (b"\xca\xfe\xba\xbe", "Java 类文件或 macOS 通用程序"),
    (b"\x00asm", "WebAssembly 程序"),
    (b"#!", "脚本（以 #! 开头）"),
)
# markup or script in the first bytes of any file: a browser or interpreter could run it
MARKERS = (b"<html", b"<script", b"<!doctype", b"<iframe", b"<svg", b"<body", b"<object", b"<embed",
           b"<?php", b"javascript:", b"vbscript:")
SCRIPT_STARTS = ("@echo off", "<?php", "<%")
MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VH",
              b"M4VP", b"f4v ", b"dash", b"MSNV", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"XAVC", b"mmp4"}
MOV_BRANDS = {b"qt  "}
M4A_BRANDS = {b"M4A ", b"M4B "}
ZIP_LOCAL = b"PK\x03\x04"
ZIP_END = b"PK\x05\x06"


def sniff(fh: BinaryIO) -> FileType:
    """The allowed type of the seekable binary file `fh` (read from its start; left at position 0),
    or Refused."""
    fh.seek(0, 2)
    size = fh.tell()
    if size == 0:
        raise Refused("empty", "文件为空（0 字节），未保存")
    head = _read_at(fh, 0, HEAD_BYTES)
    tail = _read_at(fh, max(0, size - TAIL_BYTES), TAIL_BYTES)
    try:
        _refuse_executable(head)
        code = _magic(head)
        if code == "zip":
            code = _office(fh)
        elif code is None:
            code = _text(head, tail, size)
        _refuse_polyglot(code, head, tail, size)
    finally:
        fh.seek(0)
    return ALLOWED[code]


def _read_at(fh: BinaryIO, offset: int, length: int) -> bytes:
    fh.seek(offset)
    chunks, wanted = [], length
    while wanted > 0:
        block = fh.read(wanted)
        if not block:
            break
        chunks.append(block)
        wanted -= len(block)
    return b"".join(chunks)


def _refuse_executable(head: bytes) -> None:
    for magic, what in EXECUTABLES:
        if head.startswith(magic):
            raise Refused("executable", f"文件内容是{what}，不允许作为证据附件上传（与文件扩展名无关）")
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] == b"<" and re.match(rb"<[!?a-zA-Z]", start):
        raise Refused("markup", "文件内容是网页（HTML）或 XML/SVG 等标记文件，可能含有脚本，不允许上传")


def _magic(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[4:8] == b"ftyp" and 8 <= struct.unpack(">I", head[:4])[0] <= 4096:
        brand = head[8:12]
        for brands, code in ((MP4_BRANDS, "mp4"), (MOV_BRANDS, "mov"), (M4A_BRANDS, "m4a")):
            if brand in brands:
                return code
        raise Refused("unknown", f"不支持的音视频格式（{brand.decode('latin-1').strip() or '未知'}）。{ALLOWED_TEXT}")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"ID3") or _mp3_frame(head):
        return "mp3"
    if head.startswith(ZIP_LOCAL):
        return "zip"
    return None


def _mp3_frame(head: bytes) -> bool:
    """An MPEG audio layer III frame header: 11 sync bits, a valid version, layer III, a valid bitrate
    and sample rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3


def _office(fh: BinaryIO) -> str:
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise Refused("zip", "ZIP 文件已损坏，或不是 DOCX / XLSX 文档；压缩包不允许上传，请逐个上传其中的文件")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise Refused("macro", "含宏（VBA）的 Office 文档不允许上传，请另存为不含宏的 DOCX / XLSX 后再上传")
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    raise Refused("zip", f"ZIP 压缩包及 DOCX、XLSX 以外的文件不允许上传。{ALLOWED_TEXT}")


def _text(head: bytes, tail: bytes, size: int) -> str:
    """UTF-8 text without control characters (tab, line breaks and form feed aside): CSV or plain."""
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(body, final=size <= HEAD_BYTES)
        if size > HEAD_BYTES:
            start = next((i for i, b in enumerate(tail[:4]) if b & 0xC0 != 0x80), 0)  # a whole character
            text_tail = tail[start:].decode("utf-8")
        else:
            text_tail = ""
    except UnicodeDecodeError:
        if b"\x00" in head:
            raise Refused("unknown", f"无法识别的文件类型。{ALLOWED_TEXT}")
        raise Refused("encoding", "文本文件须为 UTF-8 编码（GBK 等编码的 CSV，请另存为“CSV UTF-8”或 XLSX 后再上传）。"
                      + ALLOWED_TEXT)
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n\f" for c in text + text_tail):
        raise Refused("unknown", f"无法识别的文件类型。{ALLOWED_TEXT}")
    lowered = text.lstrip().lower()
    if lowered.startswith(SCRIPT_STARTS):
        raise Refused("script", "文件内容是脚本（批处理、PHP 等），不允许上传")
    lines = [line for line in text.splitlines()[:6] if line.strip()]
    if size > HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of the head may be cut off
    commas = {line.count(",") for line in lines}
    return "csv" if len(lines) >= 2 and len(commas) == 1 and commas != {0} else "text"


def _refuse_polyglot(code: str, head: bytes, tail: bytes, size: int) -> None:
    lowered = head.lower()
    found = next((m for m in MARKERS if m in lowered), None)
    if found is not None:
        what = "网页或脚本代码" if code in ("text", "csv") else f"网页或脚本代码（{found.decode()}）"
        raise Refused("polyglot" if code not in ("text", "csv") else "markup",
                      f"文件（{ALLOWED[code].label}）中含有{what}，可能是伪装文件，已拒绝")
    if code not in ("docx", "xlsx"):
        if _zip_local_header(head) or _zip_end_record(tail, size):
            raise Refused("polyglot", f"文件既是{ALLOWED[code].label}又是 ZIP 压缩包（多重格式伪装文件），已拒绝")
    if code != "pdf" and b"%PDF-" in head[:1024]:
        raise Refused("polyglot", f"文件既是{ALLOWED[code].label}又含有 PDF 文件头（多重格式伪装文件），已拒绝")


def _zip_local_header(head: bytes) -> bool:
    """A plausible ZIP local file header anywhere after the first byte of the head."""
    for match in re.finditer(re.escape(ZIP_LOCAL), head):
        header = head[match.start():match.start() + 30]
        if match.start() == 0 or len(header) < 30:
            continue
        version, = struct.unpack("<H", header[4:6])
        name_length, = struct.unpack("<H", header[26:28])
        if version < 100 and 0 < name_length <= 1024:
            return True
    return False


def _zip_end_record(tail: bytes, size: int) -> bool:
    """A consistent ZIP end-of-central-directory record at the end of the file: its comment ends exactly
    at the end of the file, and the directory it points to lies before it."""
    start = size - len(tail)
    for match in re.finditer(re.escape(ZIP_END), tail):
        record = tail[match.start():match.start() + 22]
        if len(record) < 22:
            continue
        disk, cd_disk, entries_here, entries, cd_size, cd_offset, comment = struct.unpack("<HHHHIIH", record[4:])
        offset = start + match.start()
        if offset + 22 + comment == size and disk == cd_disk == 0 and entries_here == entries \
                and cd_size + cd_offset <= offset:
            return True
    return False

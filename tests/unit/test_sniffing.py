"""Content sniffing of evidence uploads against the allow-list, and file-name sanitising: every allowed type
is recognised from its content, and executables, markup, scripts and polyglots are refused whatever they
are called."""
import io
import random
import struct
import zipfile

import pytest

from caseflow.evidence.sniffing import ALLOWED, HEAD_BYTES, Refused, clean_name, download_name, sniff

RNG = random.Random(5)


def noise(n: int) -> bytes:
    return bytes(RNG.getrandbits(8) for _ in range(n))


def jpeg(size=2048) -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + noise(size) + b"\xff\xd9"


def pdf(body=b"1 0 obj << /Type /Catalog >> endobj\n") -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + noise(1024) + b"\ntrailer\n%%EOF\n"


def ftyp(brand: bytes) -> bytes:
    box = struct.pack(">I", 24) + b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"mp41"
    return box + struct.pack(">I", 1032) + b"mdat" + noise(1024)


def office(parts: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_with_pdf_header() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"%PDF-1.5\n1 0 obj", compress_type=zipfile.ZIP_STORED)
        for name, content in DOCX.items():
            archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def zip_of(name="a.txt", content=b"hello") -> bytes:
    return office({name: content})


CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
DOCX = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": "<Relationships/>", "word/document.xml": "<w:document/>"}
XLSX = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": "<Relationships/>", "xl/workbook.xml": "<workbook/>"}


def kind_of(data: bytes) -> str:
    return sniff(io.BytesIO(data)).code


def refusal(data: bytes) -> Refused:
    with pytest.raises(Refused) as info:
        sniff(io.BytesIO(data))
    assert info.value.message  # a Chinese message for the user
    return info.value


@pytest.mark.parametrize("data, code", [
    (jpeg(), "jpeg"),
    (jpeg(200_000), "jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise(500), "png"),
    (b"II*\x00\x08\x00\x00\x00" + noise(500), "tiff"),
    (b"MM\x00*\x00\x00\x00\x08" + noise(500), "tiff"),
    (pdf(), "pdf"),
    (ftyp(b"isom"), "mp4"),
    (ftyp(b"mp42"), "mp4"),
    (ftyp(b"qt  "), "mov"),
    (ftyp(b"M4A "), "m4a"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x10" + noise(800), "mp3"),
    (b"\xff\xfb\x90\x64" + noise(800), "mp3"),
    (b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00" + noise(800), "wav"),
    (office(DOCX), "docx"),
    (office(XLSX), "xlsx"),
    ("姓名,身份证号,金额\n张三,110105194912310021,120.50\n李四,110105195001010012,80.00\n".encode(), "csv"),
    ("\ufeff序号,药品名称,数量\n1,阿莫西林胶囊,2\n".encode(), "csv"),
    ("询问笔录\n问：你是否了解本店医保结算情况？\n答：了解。\n".encode(), "text"),
    (("串换药品结算明细，" * 20000).encode(), "text"),  # beyond the head, multi-byte characters cut anywhere
])
def test_allowed_types_are_recognised_by_content(data, code):
    fh = io.BytesIO(data)
    assert sniff(fh).code == code
    assert fh.tell() == 0  # ready to be streamed into storage


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + noise(600), "executable"),            # a Windows program named *.pdf
    (b"\x7fELF\x02\x01\x01" + noise(600), "executable"),
    (b"\xcf\xfa\xed\xfe" + noise(600), "executable"),
    (b"\xca\xfe\xba\xbe" + noise(600), "executable"),
    (b"#!/bin/sh\nrm -rf /\n", "executable"),
    (b"<!DOCTYPE html><html><body>invoice</body></html>", "markup"),       # HTML named *.pdf or *.jpg
    (b"  \n<html><script>alert(1)</script></html>", "markup"),
    (b"\xef\xbb\xbf<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>", "markup"),
    (b"<?xml version='1.0'?><root/>", "markup"),
    (b"@echo off\r\ndel /q *.*\r\n", "script"),
    ("名称,金额\n<script>alert(1)</script>,1\n".encode(), "markup"),
    (b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF", "polyglot"),
    (jpeg()[:100] + b"<script src=//evil.example/x.js></script>" + noise(300), "polyglot"),
    (jpeg(200_000) + zip_of("payload.html", b"<html>"), "polyglot"),       # a JPEG that is also a ZIP
    (pdf() + zip_of(), "polyglot"),
    (pdf()[:40] + zip_of() + pdf(), "polyglot"),                          # ZIP local header inside the head
    (docx_with_pdf_header(), "polyglot"),                                   # a DOCX a PDF reader also opens
    (zip_of(), "zip"),                                                      # a plain ZIP archive
    (office({**DOCX, "word/vbaProject.bin": b"\x00" * 64}), "macro"),      # a macro-enabled document
    (b"PK\x03\x04" + noise(200), "zip"),                                    # a broken ZIP
    (ftyp(b"heic"), "unknown"),
    (b"RIFF\x24\x08\x00\x00AVI LIST" + noise(200), "unknown"),
    (noise(4096), "unknown"),
    ("询问笔录".encode("gbk") * 50, "encoding"),
    (b"plain text\x00with a NUL byte", "unknown"),
])
def test_refused_content(data, reason):
    assert refusal(data).reason == reason


def test_the_extension_and_the_claimed_type_play_no_part():
    # sniff sees bytes only; the same bytes are refused or accepted whatever they are called
    assert refusal(b"MZ" + noise(100)).reason == "executable"
    assert kind_of(pdf()) == "pdf"


def test_a_pdf_header_in_the_first_kilobyte_of_another_type_is_a_polyglot():
    data = b"\xff\xd8\xff\xe0" + b"%PDF-1.4\n" + noise(2000)
    assert refusal(data).reason == "polyglot"


def test_text_that_turns_binary_after_the_head_is_refused():
    data = ("正常文本，" * (HEAD_BYTES // 10)).encode() + b"\x00\x01\x02" + noise(100)
    assert refusal(data).reason in ("unknown", "encoding")


@pytest.mark.parametrize("raw, clean", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\System32\\cmd.exe", "cmd.exe"),
    ("/var/www/html/index.php", "index.php"),
    ("C:\\Users\\林志远\\桌面\\现场照片 01.jpg", "现场照片 01.jpg"),
    ("处方<1>:\"2\"|?*.pdf", "处方_1___2____.pdf"),
    ("  .hidden.pdf. ", "hidden.pdf"),
    ("..", "未命名文件"),
    ("../../", "未命名文件"),
    ("", "未命名文件"),
    (None, "未命名文件"),
    ("CON.pdf", "_CON.pdf"),
    ("nul", "_nul"),
])
def test_names_are_sanitised(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize("raw", ["evidence\x00.pdf", "a\nb.pdf", "tab\there.jpg", "del\x7f.png", "c1\x85.txt"])
def test_names_with_control_characters_are_refused(raw):
    with pytest.raises(Refused) as info:
        clean_name(raw)
    assert info.value.reason == "name_control" and "控制字符" in info.value.message


def test_names_with_direction_overrides_are_refused():
    with pytest.raises(Refused) as info:
        clean_name("invoice\u202efdp.exe")
    assert info.value.reason == "name_bidi"


def test_long_names_are_cut_keeping_the_extension():
    name = clean_name("证" * 500 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")
    assert len(clean_name("x" * 300)) == 200


def test_downloads_carry_the_detected_type_extension():
    assert download_name("scan.PDF", ALLOWED["pdf"]) == "scan.PDF"
    assert download_name("scan.exe", ALLOWED["pdf"]) == "scan.exe.pdf"
    assert download_name("照片", ALLOWED["jpeg"]) == "照片.jpg"

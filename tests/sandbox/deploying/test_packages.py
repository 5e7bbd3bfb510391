"""Zip packages unpacked safely: Lambda's limits and messages, no way out of the package."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.sandbox.deploying import (
    MAX_UNZIPPED_BYTES,
    UNZIP_FAILED,
    CodePackageError,
    package_build,
    package_unpack,
)

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


def zip_of(*entries: tuple[str, bytes | str], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def test_a_package_unpacks_to_its_files_by_relative_path():
    data = zip_of(("app.py", HANDLER), ("lib/helpers.py", "X = 1\n"), ("lib/", b""))
    assert package_unpack(data=data) == {"app.py": HANDLER, "lib/helpers.py": "X = 1\n"}


def test_a_package_made_by_a_windows_tool_uses_forward_slashes():
    data = zip_of(("app.py", HANDLER), ("lib\\helpers.py", "X = 1\n"))
    assert set(package_unpack(data=data)) == {"app.py", "lib/helpers.py"}


def test_python_byte_code_caches_are_left_out():
    data = zip_of(("app.py", HANDLER), ("__pycache__/app.cpython-313.pyc", b"\x00\xff\xfe"))
    assert package_unpack(data=data) == {"app.py": HANDLER}


@pytest.mark.parametrize("name", ["../evil.py", "lib/../../evil.py", "/etc/cron.d/evil", "C:/x.py"])
def test_an_entry_leading_out_of_the_package_is_refused(name):
    with pytest.raises(CodePackageError) as raised:
        package_unpack(data=zip_of(("app.py", HANDLER), (name, "print('out')\n")))
    assert str(raised.value) == UNZIP_FAILED


@pytest.mark.parametrize("target", ["/etc/passwd", "../../etc/passwd", "missing.py"])
def test_a_link_pointing_out_of_the_package_or_to_nothing_is_refused(target):
    with pytest.raises(CodePackageError) as raised:
        package_unpack(data=zip_of(("app.py", HANDLER), links={"secrets.txt": target}))
    assert str(raised.value) == UNZIP_FAILED


def test_a_link_inside_the_package_holds_its_targets_text():
    data = zip_of(("lib/app.py", HANDLER), links={"app.py": "lib/app.py"})
    assert package_unpack(data=data) == {"app.py": HANDLER, "lib/app.py": HANDLER}


def test_something_that_is_not_a_zip_is_refused_with_lambdas_message():
    with pytest.raises(CodePackageError) as raised:
        package_unpack(data=b"def handler(event, context): pass\n")
    assert str(raised.value) == UNZIP_FAILED


def test_a_package_over_250_mb_unzipped_is_refused_with_lambdas_message():
    megabyte = b"\0" * (1024 * 1024)
    count = MAX_UNZIPPED_BYTES // len(megabyte) + 1
    data = zip_of(*((f"blob{i}.txt", megabyte) for i in range(count)))
    with pytest.raises(CodePackageError) as raised:
        package_unpack(data=data)
    assert str(raised.value) == "Unzipped size must be smaller than 262144000 bytes"


def test_a_binary_file_is_refused_with_the_reason():
    data = zip_of(("app.py", HANDLER), ("native.so", b"\x7fELF\x00\xff\xfe\x80"))
    with pytest.raises(CodePackageError) as raised:
        package_unpack(data=data)
    assert "native.so is not a UTF-8 text file" in str(raised.value)


def test_more_files_than_the_sandbox_keeps_are_refused():
    data = zip_of(*((f"m{i}.py", "") for i in range(1001)))
    with pytest.raises(CodePackageError) as raised:
        package_unpack(data=data)
    assert "at most 1000" in str(raised.value)


PATHS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12),
    min_size=1,
    max_size=3,
).map(lambda parts: "/".join(parts) + ".py")


@settings(deadline=None)  # zipping is slow on a busy machine; the property is what matters
@given(st.dictionaries(PATHS, st.text(max_size=200), min_size=1, max_size=8))
def test_a_built_package_unpacks_to_the_same_files(code):
    assert package_unpack(data=package_build(code=code)) == code

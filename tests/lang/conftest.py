import pytest
from lang_helpers import Compiler


@pytest.fixture
def lang(tmp_path) -> Compiler:
    return Compiler(tmp_path)

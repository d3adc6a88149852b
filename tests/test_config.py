import pytest

from sitegen.config import load_config
from sitegen.errors import BuildFailed


def test_defaults_need_no_settings_file(tmp_path):
    config = load_config(tmp_path)
    assert config.per_page == 10
    assert config.base_path == "/"
    assert config.output_path == tmp_path.resolve() / "public"


def test_settings_and_overrides(tmp_path):
    (tmp_path / "sitegen.yaml").write_text("title: My News\nbase_url: https://example.org/news\nper_page: 5\n")
    config = load_config(tmp_path, output_dir="out", base_url=None)
    assert (config.title, config.per_page, config.base_path) == ("My News", 5, "/news/")
    assert config.output_path.name == "out"


def test_every_bad_setting_is_reported_with_its_line(tmp_path):
    (tmp_path / "sitegen.yaml").write_text("title: x\ntitel: typo\nper_page: ten\ntimezone: Mars/Base\n")
    with pytest.raises(BuildFailed) as caught:
        load_config(tmp_path)
    messages = [str(e) for e in caught.value.errors]
    path = tmp_path.resolve() / "sitegen.yaml"
    assert messages[0].startswith(f"{path}: timezone 'Mars/Base' is not an IANA time zone name")
    assert messages[1].startswith(f"{path}:2: unknown setting 'titel'; the settings are: ")
    assert messages[2] == f"{path}:3: 'per_page' must be a whole number, not 'ten'"


def test_base_url_must_be_absolute(tmp_path):
    with pytest.raises(BuildFailed, match="1 error") as caught:
        load_config(tmp_path, base_url="/news/")
    assert "must be an absolute URL" in str(caught.value.errors[0])


def test_unsafe_html_is_off_unless_set_to_true(tmp_path):
    assert load_config(tmp_path).unsafe_html is False
    (tmp_path / "sitegen.yaml").write_text("title: x\nunsafe_html: true\n")
    assert load_config(tmp_path).unsafe_html is True


@pytest.mark.parametrize("line, message", [
    ('unsafe_html: "true"', "'unsafe_html' must be true or false, not 'true'"),
    ("unsafe_html: 1", "'unsafe_html' must be true or false, not 1"),
    ("unsafe_html: [yes]", "'unsafe_html' must be true or false, not [True]"),
    ("unsafe: true", "unknown setting 'unsafe'; the settings are: "),
])
def test_a_wrong_unsafe_html_setting_is_an_error_on_its_line(tmp_path, line, message):
    (tmp_path / "sitegen.yaml").write_text(f"title: x\n{line}\n")
    with pytest.raises(BuildFailed) as caught:
        load_config(tmp_path)
    [error] = [str(e) for e in caught.value.errors]
    assert error.startswith(f"{tmp_path.resolve() / 'sitegen.yaml'}:2: {message}")
    assert "unsafe_html" in error

"""``show_*`` print a table to stdout, each header over its own column."""

from client_recording import Recorder  # noqa: F401  (fixture type)


def header_and_row(output):
    header, rule, *rows = output.splitlines()
    return header.split(), rule.split(), rows


def test_show_projects_prints_to_stdout(client, recorder, capsys):
    recorder.answer("GET", "/projects", [{"project_id": "0042", "name": "churn"}])

    assert client.show_projects() is None

    out, err = capsys.readouterr()
    assert out.splitlines()[0].split() == ["Project", "ID", "Name"]
    # Ids that look like numbers print as they are.
    assert out.splitlines()[2].split() == ["0042", "churn"]
    assert err == ""


def test_show_models_has_one_column_per_header(client, recorder, capsys,
                                               model_json):
    recorder.answer("GET", "/models/t1", [model_json])

    client.show_models("t1")

    out = capsys.readouterr().out
    rule = out.splitlines()[1].split()
    assert len(rule) == 8
    row = out.splitlines()[2]
    assert "rmse" in row and "2023-09-11 08:27:41.431000" in row


def test_show_data_schema_prints_enum_values(client, recorder, capsys):
    recorder.answer("GET", "/data-schema/t1", {"columns": [
        {"name": "sample_id", "role": "id", "is_nullable": False,
         "data_type": "string"},
    ]})

    client.show_data_schema("t1")

    out = capsys.readouterr().out
    assert len(out.splitlines()[1].split()) == 9
    assert out.splitlines()[2].split() == ["sample_id", "id", "string", "False"]


def test_show_kpis_prints_the_project(client, recorder, capsys):
    recorder.answer("GET", "/kpis/p1", [{
        "kpi_id": "k1", "name": "revenue", "status": "ok",
        "status_insert_datetime": "2024-01-01T00:00:00",
    }])

    client.show_kpis("p1")

    assert capsys.readouterr().out.splitlines()[2].split()[:3] == [
        "k1", "p1", "revenue"]

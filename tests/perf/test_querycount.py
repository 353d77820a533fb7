"""The query counter used by the N+1 tests counts real statements."""


def test_counter_counts_statements(api_as, count_queries):
    api = api_as("politi")
    with count_queries() as counter:
        assert api.get("/api/v1/municipalities").status_code == 200
    assert 2 <= counter.count <= 4, counter.statements
    assert any("municipalities" in s for s in counter.statements)

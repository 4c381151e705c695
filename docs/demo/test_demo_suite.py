"""The demo's own tests, written with ouroboros.test.

    python -m ouroboros.test docs/demo        (or: ob test docs/demo)

The app is served in-process by ouroboros.api's TestClient for the whole
suite (``setup_suite``/``teardown_suite``); each test talks to it over HTTP.
"""

from app import app

from ouroboros.api.testclient import TestClient
from ouroboros.test import TestSuite, expect, parametrize, test


class TestNotes(TestSuite):
    def setup_suite(self):
        self.client = TestClient(app)
        self.client.__enter__()

    def teardown_suite(self):
        self.client.__exit__(None, None, None)

    def create(self, **fields):
        response = self.client.post("/api/notes", json=fields)
        expect(response.status_code).to_equal(201)
        return response.json()

    @test
    def test_create_read_and_count_views(self):
        note = self.create(title="Buy milk", tags=["home"])
        expect(note["title"]).to_equal("Buy milk")
        read = self.client.get(f"/api/notes/{note['id']}").json()
        expect(read["tags"]).to_equal(["home"])
        views = self.client.get(f"/api/notes/{note['id']}/views").json()
        expect(views).to_equal({"note_id": note["id"], "views": 1})

    @test
    def test_list_by_tag(self):
        self.create(title="a", tags=["work"])
        self.create(title="b", tags=["home"])
        titles = [n["title"] for n in self.client.get("/api/notes", params={"tag": "work"}).json()]
        expect(titles).to_contain("a")
        expect(titles).not_.to_contain("b")

    @parametrize(
        "body, field",
        [({"title": ""}, "title"), ({"title": "x" * 201}, "title"), ({"title": "ok", "tags": [""]}, "tags")],
        ids=["empty-title", "long-title", "empty-tag"],
    )
    @test
    def test_invalid_note_is_422(self, body, field):
        response = self.client.post("/api/notes", json=body)
        expect(response.status_code).to_equal(422)
        expect(response.json()["detail"][0]["loc"]).to_contain(field)

    @test
    def test_missing_note_is_404(self):
        response = self.client.get("/api/notes/999999")
        expect(response.status_code).to_equal(404)
        expect(response.json()["detail"]).to_equal("no note 999999")

    @test
    def test_delete_then_404(self):
        note = self.create(title="temporary")
        expect(self.client.delete(f"/api/notes/{note['id']}").status_code).to_equal(204)
        expect(self.client.get(f"/api/notes/{note['id']}").status_code).to_equal(404)

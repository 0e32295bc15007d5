from tests.access import Route, expect

# Public: the compose healthchecks and an outside monitor call it without logging in.
ROUTES = [Route("ops:health", expect(200, anonyme=200))]

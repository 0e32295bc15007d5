from tests.access import Route, expect

# Public: the compose healthchecks and an outside monitor call it without logging in.
ROUTES = [Route("ops:health", expect(200, anonyme=200))]
ROUTES += [
    # The notice is public (linked in every page's footer).
    Route("ops:personal_data", expect(200, anonyme=200)),
    # A person's data: the secretariat (and the president, who is no persona of the walk).
    Route("ops:person", expect(secretariat=200)),
    # The login audit: the president only (the walk's administrateur is not signataire).
    Route("ops:login_audit", expect()),
]

"""Teachers' sign-up (issue 10) in the URL walk: the school picker's search is public (the
sign-up page uses it before any login); « Mon école » is the enseignant's own page."""

from tests.access import Route, expect

ROUTES = [
    Route("cooperatives:school_options", expect(200, anonyme=200), data={"q": "=Tilleuls"}),
    Route("cooperatives:my_school", expect(enseignant=200)),
]

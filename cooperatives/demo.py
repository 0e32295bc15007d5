"""Demo data of the cooperatives app beyond the department itself (`manage.py demo_data`):
the demo enseignant's school (« Mon école »)."""

from occe.accounts.models import User
from occe.core.demo import DOMAIN
from occe.core.demo_apps import DemoContext

from .models import Cooperative, TeacherSchool

# The demo enseignant teaches at the 4th active coop: the trainings' demo registers them there.
DEMO_TEACHER_SCHOOL_RANK = 3


def demo_teacher_school() -> Cooperative | None:
    coops = Cooperative.objects.active().order_by("number")
    return coops[DEMO_TEACHER_SCHOOL_RANK : DEMO_TEACHER_SCHOOL_RANK + 1].first() or coops.first()


def populate(context: DemoContext) -> str:
    teacher = User.objects.filter(email=f"enseignant@{DOMAIN}").first()
    school = demo_teacher_school()
    if teacher is None or school is None:
        return ""
    TeacherSchool.set_for(teacher, school)
    return f"École de l'enseignant de démonstration : {school.name} ({school.commune})"

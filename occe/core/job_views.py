"""Pages of the background jobs: "Mes travaux", one job's progress (HTMX partial), "Relancer",
and the file a job produced."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Job

RECENT_JOBS = 50


def job_list(request):
    jobs = Job.objects.filter(user=request.user).select_related("content_type")[:RECENT_JOBS]
    return render(request, "core/jobs.html", {"jobs": jobs})


def job_progress(request, pk):
    """The progress partial, polled by every page that shows a job (and usable on its own)."""
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    return render(request, "core/includes/job_progress.html", {"job": job})


@require_POST
def job_retry(request, pk):
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if job.can_retry and job.kind_object:
        job.kind_object.resume(job)
        job.refresh_from_db()
        messages.success(request, f"{job.label} : relancé.")
    if request.htmx:
        return render(request, "core/includes/job_progress.html", {"job": job})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = job.get_absolute_url()
    return redirect(back)


def job_file(request, pk):
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if not job.result_file or job.status != Job.Status.DONE:
        raise Http404
    try:
        stored = job.result_file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(stored, as_attachment=True, filename=job.result_name or "fichier")

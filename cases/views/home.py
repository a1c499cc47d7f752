from django.shortcuts import render

from cases.dashboard import home_context


def home(request):
    """Show the home page of the user's role."""
    return render(request, "cases/home.html", home_context(request.user))

"""django.contrib.admin, with the second-factor site of regulator_portal/sites.py as admin.site.

The site class lives in its own module: this one is imported while apps are loading, before the
auth models that django_otp's admin forms need can be imported.
"""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "regulator_portal.sites.PortalAdminSite"

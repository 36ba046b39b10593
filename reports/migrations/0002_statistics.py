
import complaints.models
import django.db.models.deletion
import django.utils.timezone
import reports.models
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# Who sees the dashboard, the scorecard and the reports. Caseworkers work cases; they do not.
DASHBOARD_ROLES = ["Analyst", "Supervisor"]


def grant(apps, schema_editor):
    # As in complaints 0003_roles: the permission must exist now, on a fresh database too.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="reports", codename="view_dashboard")
    for role in DASHBOARD_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="reports", codename="view_dashboard").delete()


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('reports', '0001_exports'),
        ('complaints', '0006_facets_index_portable'),
        ('notices', '0003_notice_created_index'),
        ('complaints', '0003_roles'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='ComplaintDaySummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('dimension', models.CharField(choices=[('action_type', 'what the platform did'), ('category', 'what the content was about'), ('province', 'province or territory')], max_length=20, verbose_name='dimension')),
                ('value', models.CharField(max_length=30, verbose_name='value')),
                ('complaints', models.PositiveIntegerField(verbose_name='complaints')),
                ('refreshed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='refreshed')),
                ('platform', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='complaints.platform', verbose_name='platform')),
            ],
            options={
                'verbose_name': 'statistics',
                'verbose_name_plural': 'statistics',
                'permissions': [('view_dashboard', 'Can see the statistics dashboard, the scorecard and the reports')],
                'indexes': [models.Index(fields=['dimension', 'day', 'platform'], name='summary_dimension_day_idx')],
                'constraints': [models.UniqueConstraint(fields=('day', 'platform', 'dimension', 'value'), name='unique_complaint_day_cell')],
            },
        ),
        migrations.CreateModel(
            name='MonthlyReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month reported on.', unique=True, verbose_name='month')),
                ('xlsx', models.FileField(max_length=200, storage=complaints.models.private_storage, upload_to=reports.models.report_upload_to)),
                ('pdf', models.FileField(max_length=200, storage=complaints.models.private_storage, upload_to=reports.models.report_upload_to)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('notices', models.ManyToManyField(blank=True, related_name='+', to='notices.notice')),
            ],
            options={
                'verbose_name': 'monthly report',
                'verbose_name_plural': 'monthly reports',
                'ordering': ['-month'],
                'constraints': [models.CheckConstraint(condition=models.Q(('month__day', 1)), name='monthly_report_first_of_month')],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]

# The seed's data migration "Default Templates" (shared/seed/export_schema.md).
from django.db import migrations


def create_default_templates(apps, schema_editor):
    ExportTemplate = apps.get_model('exports', 'ExportTemplate')
    User = apps.get_model('auth', 'User')

    # Create system-wide default templates
    templates = [
        {
            'name': 'Basic Time Tracking Export',
            'format': 'csv',
            'field_configuration': {
                'fields': ['date', 'project', 'task', 'duration', 'description'],
                'headers': ['Date', 'Project', 'Task', 'Duration', 'Description']
            },
            'is_public': True,
        },
    ]

    admin_user = User.objects.filter(is_superuser=True).first()
    if admin_user:
        for template_data in templates:
            ExportTemplate.objects.create(user=admin_user, **template_data)


class Migration(migrations.Migration):
    dependencies = [
        ('exports', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(create_default_templates, migrations.RunPython.noop),
    ]

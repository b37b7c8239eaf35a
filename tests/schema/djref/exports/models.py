"""The seed's export models, exactly as shared/seed/export_schema.md has them."""
import uuid

from django.contrib.auth.models import User
from django.db import models


class ExportRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name='export_requests')
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)

    # Export Configuration
    format = models.CharField(max_length=20, choices=[
        ('csv', 'CSV'),
        ('json', 'JSON'),
        ('pdf', 'PDF'),
        ('excel', 'Excel')
    ])
    template = models.ForeignKey('ExportTemplate', null=True, blank=True, on_delete=models.SET_NULL)

    # Filtering & Parameters
    filters = models.JSONField(default=dict)  # Store filter criteria
    date_range_start = models.DateTimeField(null=True, blank=True)
    date_range_end = models.DateTimeField(null=True, blank=True)
    selected_fields = models.JSONField(default=list)  # Fields to include

    # Processing Status
    status = models.CharField(max_length=20, choices=[
        ('pending', 'Pending'),
        ('processing', 'Processing'),
        ('completed', 'Completed'),
        ('failed', 'Failed'),
        ('expired', 'Expired')
    ], default='pending')

    progress_percentage = models.IntegerField(default=0)
    error_message = models.TextField(blank=True)

    # File Information
    file_path = models.CharField(max_length=500, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)  # Size in bytes
    download_url = models.URLField(blank=True)
    download_count = models.IntegerField(default=0)

    # Scheduling
    is_scheduled = models.BooleanField(default=False)
    schedule_pattern = models.CharField(max_length=100, blank=True)  # Cron pattern
    next_run = models.DateTimeField(null=True, blank=True)

    # Timestamps
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = 'export_requests'
        indexes = [
            models.Index(fields=['user', '-created_at']),
            models.Index(fields=['status', 'created_at']),
            models.Index(fields=['expires_at']),
            models.Index(fields=['next_run']),
        ]


class ExportTemplate(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name='export_templates')
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)

    # Template Configuration
    format = models.CharField(max_length=20, choices=[
        ('csv', 'CSV'),
        ('json', 'JSON'),
        ('pdf', 'PDF'),
        ('excel', 'Excel')
    ])

    # Field Configuration
    field_configuration = models.JSONField(default=dict)  # Field mappings and formatting
    default_filters = models.JSONField(default=dict)      # Default filter settings
    layout_settings = models.JSONField(default=dict)      # PDF layout, Excel sheets, etc.

    # Sharing & Access
    is_public = models.BooleanField(default=False)
    shared_with = models.ManyToManyField(User, blank=True, related_name='shared_export_templates')

    # Usage Tracking
    usage_count = models.IntegerField(default=0)
    last_used = models.DateTimeField(null=True, blank=True)

    # Timestamps
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = 'export_templates'
        indexes = [
            models.Index(fields=['user', '-created_at']),
            models.Index(fields=['is_public', '-usage_count']),
        ]


class ExportAuditLog(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    export_request = models.ForeignKey(ExportRequest, on_delete=models.CASCADE, related_name='audit_logs')
    user = models.ForeignKey(User, on_delete=models.CASCADE)

    # Action Details
    action = models.CharField(max_length=50, choices=[
        ('created', 'Export Created'),
        ('started', 'Processing Started'),
        ('completed', 'Export Completed'),
        ('downloaded', 'File Downloaded'),
        ('failed', 'Export Failed'),
        ('expired', 'Export Expired'),
        ('deleted', 'Export Deleted'),
        ('shared', 'Export Shared'),
    ])

    # Context Information
    ip_address = models.GenericIPAddressField()
    user_agent = models.TextField(blank=True)
    additional_data = models.JSONField(default=dict)  # Action-specific data

    # Timestamp
    timestamp = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = 'export_audit_logs'
        indexes = [
            models.Index(fields=['export_request', '-timestamp']),
            models.Index(fields=['user', '-timestamp']),
            models.Index(fields=['action', '-timestamp']),
        ]


class ExportSchedule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name='export_schedules')
    name = models.CharField(max_length=255)

    # Schedule Configuration
    template = models.ForeignKey(ExportTemplate, on_delete=models.CASCADE)
    cron_pattern = models.CharField(max_length=100)  # Cron expression
    timezone = models.CharField(max_length=50, default='UTC')

    # Delivery Settings
    email_recipients = models.JSONField(default=list)  # List of email addresses
    include_download_link = models.BooleanField(default=True)
    attach_file = models.BooleanField(default=False)  # For small files only

    # Status & Control
    is_active = models.BooleanField(default=True)
    last_run = models.DateTimeField(null=True, blank=True)
    next_run = models.DateTimeField()
    run_count = models.IntegerField(default=0)
    failure_count = models.IntegerField(default=0)

    # Timestamps
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = 'export_schedules'
        indexes = [
            models.Index(fields=['user', 'is_active']),
            models.Index(fields=['next_run', 'is_active']),
        ]


class ExportUsageStats(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name='export_stats')

    # Time Period
    date = models.DateField()

    # Usage Metrics
    total_exports = models.IntegerField(default=0)
    csv_exports = models.IntegerField(default=0)
    json_exports = models.IntegerField(default=0)
    pdf_exports = models.IntegerField(default=0)
    excel_exports = models.IntegerField(default=0)

    total_records_exported = models.BigIntegerField(default=0)
    total_file_size = models.BigIntegerField(default=0)  # Total bytes

    # Performance Metrics
    avg_processing_time = models.DurationField(null=True, blank=True)
    failed_exports = models.IntegerField(default=0)

    # Timestamps
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = 'export_usage_stats'
        unique_together = ['user', 'date']
        indexes = [
            models.Index(fields=['user', '-date']),
            models.Index(fields=['-date']),
        ]

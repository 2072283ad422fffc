from django.db import models
from django.db.models.functions import Now


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """A submitted form or API request, by the key its client sent: a second submission with the
    same key is answered with the first one's result instead of posting again."""

    key = models.CharField(max_length=80, unique=True)
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64, blank=True, help_text="sha256 of method, path and body")
    created_at = models.DateTimeField(db_default=Now())
    status_code = models.PositiveSmallIntegerField(null=True)
    location = models.CharField(max_length=500, blank=True)
    body = models.BinaryField(null=True)
    content_type = models.CharField(max_length=100, blank=True)

from django.db import models
from django.db.models.functions import Now


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        abstract = True

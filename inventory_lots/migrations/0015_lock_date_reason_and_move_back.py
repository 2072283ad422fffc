"""The lock date's history records corrections (issue 17, DOMAIN.md 6a): each row keeps the date it
replaced and a reason (required when it moves the lock date back, a CHECK constraint), and the
``move_lock_date_back`` permission (administrators) says who may. Rows already there were forward
moves: their previous date is filled from the row before."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory_lots', '0014_serial_use'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='lockdate',
            options={'get_latest_by': 'id', 'ordering': ['-id'], 'permissions': [('move_lock_date_back', 'Move the lock date back, with a reason (administrators)')]},
        ),
        migrations.AddField(
            model_name='lockdate',
            name='previous_date',
            field=models.DateField(blank=True, help_text='The lock date this row replaced.', null=True),
        ),
        migrations.AddField(
            model_name='lockdate',
            name='reason',
            field=models.CharField(blank=True, db_default='', default='', help_text='Why it was set; required when it moves the lock date back.', max_length=500),
        ),
        migrations.AddConstraint(
            model_name='lockdate',
            constraint=models.CheckConstraint(condition=models.Q(('previous_date__isnull', True), ('date__gt', models.F('previous_date')), models.Q(('reason', ''), _negated=True), _connector='OR'), name='inventory_lots_lockdate_back_needs_reason', violation_error_message='Moving the lock date back needs a reason.'),
        ),
        migrations.RunSQL(
            "UPDATE inventory_lots_lockdate AS l SET previous_date = (SELECT p.date FROM inventory_lots_lockdate AS p "
            "WHERE p.id < l.id ORDER BY p.id DESC LIMIT 1)",
            migrations.RunSQL.noop,
        ),
    ]

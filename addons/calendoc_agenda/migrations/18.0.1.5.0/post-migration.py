"""An appointment's stored name no longer holds its requester's name (it is
added on display, for those who may read him): strip "— <requester>" from the
names the booking made."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE calendar_event e
           SET name = left(e.name, length(e.name) - length(' — ' || p.name))
          FROM res_partner p
         WHERE p.id = e.calendoc_requester_id
           AND e.calendoc_practitioner_id IS NOT NULL
           AND length(e.name) > length(' — ' || p.name)
           AND right(e.name, length(' — ' || p.name)) = ' — ' || p.name
        """
    )

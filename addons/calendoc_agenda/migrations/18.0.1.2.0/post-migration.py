"""Tenant isolation (issue 17): a practitioner's contact belongs to his client
account (a contact of the account), so that only those who serve the account
read it and only managers change it. Contacts made before were left without
a parent company."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE res_partner p
           SET parent_id = pr.account_id,
               commercial_partner_id = pr.account_id
          FROM calendoc_practitioner pr
         WHERE pr.partner_id = p.id
           AND p.parent_id IS NULL
           AND NOT p.is_company
           AND p.id <> pr.account_id
           AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
        """
    )

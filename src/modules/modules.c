/* modules.c - the list of modules, in dependency order. */
#include "modules.h"
#include "commissions/commissions.h"
#include "org/org.h"
#include "expenses/expenses.h"
#include "pool/pool.h"
#include "sales/sales.h"
#include "../core/entity.h"
#include "../core/mail.h"

int modules_register_all(void)
{
	org_register();
	sales_register();
	pool_register();
	expenses_register();
	mail_register_actions();
	commissions_register();
	return entity_check_all() ? -1 : 0;
}

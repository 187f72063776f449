/* documents.c - registers the documents from quote to cash (see documents.h). */
#include "documents.h"

void documents_register(void)
{
	/* each child before its parent, each parent before those that refer to it */
	entity_register(&quote_lines_entity);
	entity_register(&quotes_entity);
	entity_register(&order_lines_entity);
	entity_register(&orders_entity);
	entity_register(&contract_installments_entity);
	entity_register(&contracts_entity);
	entity_register(&payment_allocations_entity);
	entity_register(&payments_entity);
	entity_register(&invoices_entity);
	quotes_register_jobs();
}

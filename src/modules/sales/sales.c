/* sales.c - registers the sales entities and the option lists they share. */
#include "sales.h"
#include "documents.h"
#include "../../core/options.h"

static const char sources_default[] =
	"[{\"value\":\"website\",\"label\":{\"zh-CN\":\"官网\",\"en\":\"Website\"}},"
	"{\"value\":\"referral\",\"label\":{\"zh-CN\":\"转介绍\",\"en\":\"Referral\"}},"
	"{\"value\":\"exhibition\",\"label\":{\"zh-CN\":\"展会\",\"en\":\"Trade show\"}},"
	"{\"value\":\"cold_call\",\"label\":{\"zh-CN\":\"电话开发\",\"en\":\"Cold call\"}},"
	"{\"value\":\"advertising\",\"label\":{\"zh-CN\":\"广告\",\"en\":\"Advertising\"}},"
	"{\"value\":\"partner\",\"label\":{\"zh-CN\":\"合作伙伴\",\"en\":\"Partner\"}},"
	"{\"value\":\"other\",\"label\":{\"zh-CN\":\"其他\",\"en\":\"Other\"}}]";

/* Ordered: the pipeline board shows them left to right. */
static const char stages_default[] =
	"[{\"value\":\"initial\",\"label\":{\"zh-CN\":\"初步接触\",\"en\":\"Initial contact\"},\"probability\":10},"
	"{\"value\":\"needs_analysis\",\"label\":{\"zh-CN\":\"需求分析\",\"en\":\"Needs analysis\"},\"probability\":25},"
	"{\"value\":\"proposal\",\"label\":{\"zh-CN\":\"方案报价\",\"en\":\"Proposal\"},\"probability\":50},"
	"{\"value\":\"negotiation\",\"label\":{\"zh-CN\":\"商务谈判\",\"en\":\"Negotiation\"},\"probability\":75},"
	"{\"value\":\"won\",\"label\":{\"zh-CN\":\"赢单\",\"en\":\"Won\"},\"probability\":100,\"closed\":true},"
	"{\"value\":\"lost\",\"label\":{\"zh-CN\":\"输单\",\"en\":\"Lost\"},\"probability\":0,\"closed\":true}]";

void sales_register(void)
{
	option_list_register("sources", sources_default);
	option_list_register("opportunity_stages", stages_default);
	entity_register(&customers_entity);
	entity_register(&contacts_entity);
	entity_register(&leads_entity);
	entity_register(&opportunities_entity);
	entity_register(&activities_entity);
	entity_register(&products_entity);
	documents_register();
}

/* products.c - 产品: what the company sells, with list and cost prices. */
#include "sales.h"

static const field_def fields[] = {
	{ "code", FT_TEXT, { "产品编码", "Code" }, F_REQUIRED | F_UNIQUE | F_SEARCH | F_SORT | F_LIST, .max_len = 50 },
	{ "name", FT_TEXT, { "产品名称", "Name" }, F_REQUIRED | F_SEARCH | F_SORT | F_LIST },
	{ "category", FT_TEXT, { "产品类别", "Category" }, F_LIST | F_INDEX, .max_len = 50 },
	{ "unit", FT_TEXT, { "单位", "Unit" }, F_LIST, .max_len = 20, .def = "\"台\"" },
	{ "list_price", FT_MONEY, { "标准价", "List price" }, F_SORT | F_LIST },
	{ "cost_price", FT_MONEY, { "成本价", "Cost price" }, 0 },
	{ "specification", FT_LONGTEXT, { "规格说明", "Specification" }, 0 },
	{ "active", FT_BOOL, { "在售", "Active" }, F_LIST | F_INDEX, .def = "true" },
	{ NULL },
};

const entity_def products_entity = {
	.name = "products",
	.label = { "产品", "Products" },
	.module = "products",
	.fields = fields,
	.title_field = "name",
	.default_sort = "code",
};

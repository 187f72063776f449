/*
 * doc_lines.h - the fields of a line item, shared by quote and order lines
 * (a macro, because each child entity needs its own back reference).
 * The four amounts are computed by doc_compute_lines (util/money.h's rule).
 */
#ifndef RAPPORT_DOC_LINES_H
#define RAPPORT_DOC_LINES_H

#define DOC_LINE_FIELDS \
	{ "position", FT_INT, { "序号", "No." }, F_SORT | F_READONLY }, \
	{ "product_id", FT_REF, { "产品", "Product" }, 0, .ref = "products" }, \
	{ "description", FT_TEXT, { "品名/描述", "Description" }, 0, .max_len = 500 }, \
	{ "unit", FT_TEXT, { "单位", "Unit" }, 0, .max_len = 20 }, \
	{ "quantity", FT_DECIMAL, { "数量", "Quantity" }, F_REQUIRED, .scale = 3 }, \
	{ "unit_price", FT_MONEY, { "单价", "Unit price" }, F_REQUIRED }, \
	{ "discount_percent", FT_DECIMAL, { "折扣 (%)", "Discount (%)" }, 0, .scale = 4 }, \
	{ "tax_rate_percent", FT_DECIMAL, { "税率 (%)", "Tax rate (%)" }, 0, .scale = 4 }, \
	{ "amount", FT_MONEY, { "金额", "Amount" }, F_READONLY }, \
	{ "discount_amount", FT_MONEY, { "折扣额", "Discount" }, F_READONLY }, \
	{ "tax_amount", FT_MONEY, { "税额", "Tax" }, F_READONLY }, \
	{ "total", FT_MONEY, { "小计", "Line total" }, F_READONLY }

#define DOC_TOTAL_FIELDS \
	{ "subtotal", FT_MONEY, { "合计金额", "Subtotal" }, F_READONLY }, \
	{ "discount", FT_MONEY, { "折扣", "Discount" }, F_READONLY }, \
	{ "tax", FT_MONEY, { "税额", "Tax" }, F_READONLY }, \
	{ "total", FT_MONEY, { "总计", "Total" }, F_READONLY | F_SORT | F_LIST }

#endif

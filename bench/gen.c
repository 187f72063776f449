/*
 * gen.c - build/rapport-gen: the deterministic data generator of the
 * benchmarks, plus a small SQL runner for looking at query plans.
 *
 *   rapport-gen --data DIR [--users N] [--customers N] [--contacts N]
 *               [--opportunities N] [--activities N] [--seed N] [--batch N]
 *               [--fts trigger|rebuild] [--indexes keep|defer]
 *   rapport-gen --data DIR --sql "SELECT ..." [--repeat N]    rows, tab-separated
 *   rapport-gen --data DIR --exec "DELETE ...; ..."            no results
 *   rapport-gen --data DIR --to-postgres URL    copy DIR's database into the PostgreSQL
 *               database at URL (fresh from rapport init) with COPY: gen_pg.c
 *
 * The database is opened exactly as the server opens it (same schema derived
 * from the declarations, same bigram tokenizer), so FTS queries and EXPLAIN
 * QUERY PLAN work here where the sqlite3 shell cannot load the tokenizer.
 *
 * Generation expects a database fresh from `rapport init` (it adds to it;
 * without init there is no admin).  Every value comes from a fixed-seed PRNG
 * and a fixed "now" (END below), so the same options give the same rows.
 * Rows are inserted with prepared statements, --batch rows per transaction.
 * --fts rebuild drops the search triggers during the load and rebuilds each
 * search index once at the end (then recreates the triggers from the very
 * SQL that schema.c wrote); --indexes defer does the same for the ordinary
 * indexes.  The load rate of each table and step goes to standard output and
 * to DIR/bench-gen.txt.
 */
#include "gen_pg.h"
#include "../src/cmd/cmd.h"
#include "../src/core/auth.h"
#include "../src/db/db.h"
#include "../src/http/assets.h"
#include "../src/util/clock.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define END_ISO "2026-11-28T00:00:00.000Z" /* the generated world's "now" */
#define YEAR_S (365LL * 86400)
#define NDEPTS 10
#define PASSWORD "bench-pass"

/* The server's library refers to the embedded web app; the generator serves
 * nothing, so it links an empty table instead of building the web app. */
const asset assets[] = { { "/index.html", "text/html", (const unsigned char *)"", 0, NULL, 0, "\"bench\"", 0 } };
const int assets_count = 0;

/* ---- deterministic randomness ---- */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t next64(rng *r)
{
	r->s += 0x9E3779B97F4A7C15ULL;
	return mix64(r->s);
}

/* uniform in [0, n) */
static uint32_t below(rng *r, uint32_t n)
{
	return (uint32_t)(((next64(r) >> 32) * (uint64_t)n) >> 32);
}

/* skewed toward the front of a list (common surnames and words first) */
static uint32_t skewed(rng *r, uint32_t n)
{
	double u = (double)(next64(r) >> 11) / 9007199254740992.0;
	uint32_t i = (uint32_t)(u * u * n);
	return i < n ? i : n - 1;
}

static bool chance(rng *r, int percent)
{
	return below(r, 100) < (uint32_t)percent;
}

#define N(a) ((uint32_t)(sizeof(a) / sizeof(a[0])))
#define PICK(r, a) (a[below(r, N(a))])

/* ---- vocabulary ---- */

typedef struct city {
	const char *province, *name, *area, *pinyin;
} city;

static const city cities[] = {
	{ "北京", "北京", "010", "Beijing" }, { "上海", "上海", "021", "Shanghai" },
	{ "广东", "广州", "020", "Guangzhou" }, { "广东", "深圳", "0755", "Shenzhen" },
	{ "浙江", "杭州", "0571", "Hangzhou" }, { "江苏", "苏州", "0512", "Suzhou" },
	{ "江苏", "南京", "025", "Nanjing" }, { "四川", "成都", "028", "Chengdu" },
	{ "湖北", "武汉", "027", "Wuhan" }, { "山东", "青岛", "0532", "Qingdao" },
	{ "辽宁", "沈阳", "024", "Shenyang" }, { "陕西", "西安", "029", "Xi'an" },
	{ "天津", "天津", "022", "Tianjin" }, { "重庆", "重庆", "023", "Chongqing" },
	{ "河南", "郑州", "0371", "Zhengzhou" }, { "湖南", "长沙", "0731", "Changsha" },
	{ "山东", "济南", "0531", "Jinan" }, { "安徽", "合肥", "0551", "Hefei" },
	{ "福建", "福州", "0591", "Fuzhou" }, { "福建", "厦门", "0592", "Xiamen" },
	{ "浙江", "宁波", "0574", "Ningbo" }, { "江苏", "无锡", "0510", "Wuxi" },
	{ "广东", "东莞", "0769", "Dongguan" }, { "广东", "佛山", "0757", "Foshan" },
	{ "辽宁", "大连", "0411", "Dalian" }, { "黑龙江", "哈尔滨", "0451", "Harbin" },
	{ "吉林", "长春", "0431", "Changchun" }, { "河北", "石家庄", "0311", "Shijiazhuang" },
	{ "山西", "太原", "0351", "Taiyuan" }, { "江西", "南昌", "0791", "Nanchang" },
	{ "云南", "昆明", "0871", "Kunming" }, { "广西", "南宁", "0771", "Nanning" },
	{ "贵州", "贵阳", "0851", "Guiyang" }, { "甘肃", "兰州", "0931", "Lanzhou" },
	{ "新疆", "乌鲁木齐", "0991", "Urumqi" }, { "内蒙古", "呼和浩特", "0471", "Hohhot" },
	{ "浙江", "温州", "0577", "Wenzhou" }, { "江苏", "常州", "0519", "Changzhou" },
	{ "山东", "烟台", "0535", "Yantai" }, { "福建", "泉州", "0595", "Quanzhou" },
};

typedef struct word {
	const char *zh, *py;
} word;

static const word brands[] = {
	{ "华夏", "huaxia" }, { "东方", "dongfang" }, { "恒通", "hengtong" }, { "中科", "zhongke" },
	{ "远大", "yuanda" }, { "长城", "changcheng" }, { "华锐", "huarui" }, { "金石", "jinshi" },
	{ "瑞丰", "ruifeng" }, { "海川", "haichuan" }, { "鼎盛", "dingsheng" }, { "天工", "tiangong" },
	{ "宏达", "hongda" }, { "精工", "jinggong" }, { "博远", "boyuan" }, { "新锐", "xinrui" },
	{ "正泰", "zhengtai" }, { "同创", "tongchuang" }, { "中天", "zhongtian" }, { "永安", "yongan" },
	{ "恒信", "hengxin" }, { "盛世", "shengshi" }, { "汇丰", "huifeng" }, { "国泰", "guotai" },
	{ "安泰", "antai" }, { "富源", "fuyuan" }, { "华信", "huaxin" }, { "金桥", "jinqiao" },
	{ "东升", "dongsheng" }, { "明阳", "mingyang" }, { "宇通", "yutong" }, { "天成", "tiancheng" },
	{ "联创", "lianchuang" }, { "众诚", "zhongcheng" }, { "恒瑞", "hengrui" }, { "嘉禾", "jiahe" },
	{ "凯达", "kaida" }, { "荣泰", "rongtai" }, { "信达", "xinda" }, { "万通", "wantong" },
	{ "顺达", "shunda" }, { "泰和", "taihe" }, { "兴业", "xingye" }, { "德康", "dekang" },
	{ "鸿运", "hongyun" }, { "伟业", "weiye" }, { "光明", "guangming" }, { "汇通", "huitong" },
	{ "中联", "zhonglian" }, { "新华", "xinhua" }, { "百川", "baichuan" }, { "启明", "qiming" },
	{ "星辰", "xingchen" }, { "蓝天", "lantian" }, { "绿源", "lvyuan" }, { "金鹏", "jinpeng" },
	{ "银河", "yinhe" }, { "北方", "beifang" }, { "南方", "nanfang" }, { "西部", "xibu" },
	{ "环球", "huanqiu" }, { "通达", "tongda" }, { "和信", "hexin" }, { "创新", "chuangxin" },
	{ "卓越", "zhuoyue" }, { "腾飞", "tengfei" }, { "振华", "zhenhua" }, { "兴华", "xinghua" },
	{ "中盛", "zhongsheng" }, { "大成", "dacheng" }, { "天元", "tianyuan" }, { "海德", "haide" },
	{ "奥特", "aote" }, { "科威", "kewei" }, { "亿达", "yida" }, { "三友", "sanyou" },
	{ "力拓", "lituo" }, { "瑞通", "ruitong" }, { "金诚", "jincheng" }, { "宏图", "hongtu" },
	{ "华创", "huachuang" }, { "昌盛", "changsheng" }, { "恒昌", "hengchang" }, { "佳美", "jiamei" },
	{ "华美", "huamei" }, { "元亨", "yuanheng" }, { "利达", "lida" }, { "天润", "tianrun" },
	{ "汉威", "hanwei" }, { "金龙", "jinlong" }, { "凤凰", "fenghuang" }, { "九州", "jiuzhou" },
	{ "四海", "sihai" }, { "神州", "shenzhou" }, { "华宇", "huayu" }, { "新天", "xintian" },
	{ "福瑞", "furui" }, { "祥和", "xianghe" }, { "安达", "anda" }, { "中迅", "zhongxun" },
	{ "科达", "keda" }, { "智联", "zhilian" }, { "云帆", "yunfan" }, { "远航", "yuanhang" },
	{ "合力", "heli" }, { "英杰", "yingjie" }, { "铭泰", "mingtai" }, { "正大", "zhengda" },
	{ "宝丰", "baofeng" }, { "红星", "hongxing" }, { "华光", "huaguang" }, { "东泰", "dongtai" },
	{ "金源", "jinyuan" }, { "鑫源", "xinyuan" }, { "晨光", "chenguang" }, { "华阳", "huayang" },
};

typedef struct trade {
	const char *zh, *industry;
} trade;

static const trade trades[] = {
	{ "机械", "manufacturing" }, { "重工", "manufacturing" }, { "电气", "manufacturing" },
	{ "自动化", "manufacturing" }, { "智能装备", "manufacturing" }, { "能源科技", "energy" },
	{ "精密制造", "manufacturing" }, { "环保设备", "manufacturing" }, { "液压", "manufacturing" },
	{ "机床", "manufacturing" }, { "传动", "manufacturing" }, { "电子", "it" }, { "信息技术", "it" },
	{ "软件", "it" }, { "网络科技", "it" }, { "数据科技", "it" }, { "建设工程", "construction" },
	{ "建筑", "construction" }, { "装饰工程", "construction" }, { "医疗器械", "healthcare" },
	{ "医药", "healthcare" }, { "生物科技", "healthcare" }, { "教育科技", "education" },
	{ "培训", "education" }, { "物流", "logistics" }, { "供应链", "logistics" },
	{ "国际货运", "logistics" }, { "商贸", "retail" }, { "贸易", "retail" }, { "电子商务", "retail" },
	{ "新能源", "energy" }, { "光伏", "energy" }, { "电力", "energy" }, { "石化", "energy" },
	{ "化工", "manufacturing" }, { "新材料", "manufacturing" }, { "汽车零部件", "manufacturing" },
	{ "包装", "manufacturing" }, { "纺织", "manufacturing" }, { "食品", "manufacturing" },
	{ "仪器仪表", "manufacturing" }, { "控制系统", "manufacturing" }, { "节能科技", "energy" },
	{ "投资", "finance" }, { "融资租赁", "finance" },
};

static const char *const company_suffixes[] = { "有限公司", "有限公司", "有限公司", "有限公司", "有限公司",
						"有限公司", "有限公司", "股份有限公司", "股份有限公司",
						"集团有限公司" };

static const char *const en_first[] = {
	"Atlas", "Nordic", "Pacific", "Summit", "Orion", "Helix", "Baltic", "Keystone", "Vertex", "Meridian",
	"Apex", "Beacon", "Cobalt", "Delta", "Everest", "Falcon", "Granite", "Horizon", "Ironwood", "Juniper",
	"Kestrel", "Lumen", "Magnus", "Nova", "Onyx", "Pinnacle", "Quantum", "Redwood", "Sterling", "Titan",
	"Unity", "Vanguard", "Westbridge", "Zenith", "Harbor", "Silverline", "Bluewater", "Crestview",
	"Northstar", "Evergreen",
};
static const char *const en_second[] = {
	"Machinery", "Energy Systems", "Automation", "Industrial", "Process Equipment", "Robotics",
	"Power Solutions", "Hydraulics", "Engineering", "Tools", "Logistics", "Software", "Medical",
	"Electronics", "Materials", "Trading", "Technologies", "Controls", "Instruments", "Packaging",
};
static const char *const en_suffix[] = { "Ltd", "Inc", "GmbH", "Co., Ltd.", "Corp", "AG", "Pte Ltd", "LLC" };

static const char *const districts[] = { "高新区", "经济技术开发区", "工业园区", "新区", "开发区", "城区" };
static const char *const roads[] = { "建设路", "人民路", "解放路", "中山路", "科技路", "创业大道", "工业大道",
				     "长江路", "黄河路", "湖滨路", "金桥路", "新华路", "文化路", "和平路" };

static const word surnames[] = {
	{ "王", "wang" }, { "李", "li" }, { "张", "zhang" }, { "刘", "liu" }, { "陈", "chen" }, { "杨", "yang" },
	{ "赵", "zhao" }, { "黄", "huang" }, { "周", "zhou" }, { "吴", "wu" }, { "徐", "xu" }, { "孙", "sun" },
	{ "胡", "hu" }, { "朱", "zhu" }, { "高", "gao" }, { "林", "lin" }, { "何", "he" }, { "郭", "guo" },
	{ "马", "ma" }, { "罗", "luo" }, { "梁", "liang" }, { "宋", "song" }, { "郑", "zheng" }, { "谢", "xie" },
	{ "韩", "han" }, { "唐", "tang" }, { "冯", "feng" }, { "于", "yu" }, { "董", "dong" }, { "萧", "xiao" },
	{ "程", "cheng" }, { "曹", "cao" }, { "袁", "yuan" }, { "邓", "deng" }, { "许", "xu" }, { "傅", "fu" },
	{ "沈", "shen" }, { "曾", "zeng" }, { "彭", "peng" }, { "吕", "lv" }, { "苏", "su" }, { "卢", "lu" },
	{ "蒋", "jiang" }, { "蔡", "cai" }, { "贾", "jia" }, { "丁", "ding" }, { "魏", "wei" }, { "薛", "xue" },
	{ "叶", "ye" }, { "阎", "yan" }, { "余", "yu" }, { "潘", "pan" }, { "杜", "du" }, { "戴", "dai" },
	{ "夏", "xia" }, { "钟", "zhong" }, { "汪", "wang" }, { "田", "tian" }, { "任", "ren" }, { "姜", "jiang" },
	{ "范", "fan" }, { "方", "fang" }, { "石", "shi" }, { "姚", "yao" }, { "谭", "tan" }, { "廖", "liao" },
	{ "邹", "zou" }, { "熊", "xiong" }, { "金", "jin" }, { "陆", "lu" }, { "郝", "hao" }, { "孔", "kong" },
	{ "白", "bai" }, { "崔", "cui" }, { "康", "kang" }, { "毛", "mao" }, { "邱", "qiu" }, { "秦", "qin" },
	{ "江", "jiang" }, { "史", "shi" },
};

static const word given_names[] = {
	{ "伟", "wei" }, { "芳", "fang" }, { "娜", "na" }, { "敏", "min" }, { "静", "jing" }, { "丽", "li" },
	{ "强", "qiang" }, { "磊", "lei" }, { "军", "jun" }, { "洋", "yang" }, { "勇", "yong" }, { "艳", "yan" },
	{ "杰", "jie" }, { "娟", "juan" }, { "涛", "tao" }, { "明", "ming" }, { "超", "chao" },
	{ "秀英", "xiuying" }, { "霞", "xia" }, { "平", "ping" }, { "刚", "gang" }, { "桂英", "guiying" },
	{ "建华", "jianhua" }, { "建国", "jianguo" }, { "建军", "jianjun" }, { "海燕", "haiyan" },
	{ "志强", "zhiqiang" }, { "晓东", "xiaodong" }, { "文", "wen" }, { "斌", "bin" }, { "婷", "ting" },
	{ "雪", "xue" }, { "慧", "hui" }, { "宇", "yu" }, { "浩", "hao" }, { "鹏", "peng" }, { "俊", "jun" },
	{ "帅", "shuai" }, { "凯", "kai" }, { "鑫", "xin" }, { "欣", "xin" }, { "琳", "lin" }, { "颖", "ying" },
	{ "晨", "chen" }, { "玲", "ling" }, { "红", "hong" }, { "波", "bo" }, { "辉", "hui" }, { "华", "hua" },
	{ "峰", "feng" }, { "亮", "liang" }, { "健", "jian" }, { "丹", "dan" }, { "萍", "ping" }, { "飞", "fei" },
	{ "雷", "lei" }, { "博", "bo" }, { "倩", "qian" }, { "佳", "jia" }, { "子涵", "zihan" },
	{ "梓轩", "zixuan" }, { "一鸣", "yiming" }, { "思远", "siyuan" }, { "雨欣", "yuxin" },
	{ "嘉怡", "jiayi" }, { "浩然", "haoran" }, { "宇航", "yuhang" }, { "天宇", "tianyu" },
	{ "俊杰", "junjie" }, { "晓明", "xiaoming" }, { "立新", "lixin" }, { "国强", "guoqiang" },
	{ "春梅", "chunmei" }, { "玉兰", "yulan" }, { "志刚", "zhigang" }, { "永刚", "yonggang" },
	{ "海涛", "haitao" }, { "文静", "wenjing" }, { "丽娟", "lijuan" }, { "红梅", "hongmei" },
};

static const char *const en_given[] = { "John", "Anna", "David", "Maria", "Tom", "Sarah", "Lars", "Emma",
					"Michael", "Laura", "Peter", "Julia", "Mark", "Sophie", "James", "Nina" };
static const char *const en_family[] = { "Smith", "Müller", "Chen", "Rossi", "Baker", "Johnson", "Nilsson",
					 "Brown", "Schmidt", "Dubois", "Tanaka", "Kim", "Novak", "Jensen" };

static const char *const titles[] = { "总经理", "副总经理", "采购经理", "采购专员", "技术总监", "设备部长",
				      "项目经理", "财务总监", "生产经理", "厂长", "董事长", "销售总监",
				      "IT 经理", "行政主管", "工程师", "质量经理", "Purchasing Manager",
				      "Plant Manager", "General Manager" };
static const char *const contact_depts[] = { "采购部", "技术部", "设备部", "生产部", "财务部", "总经办",
					     "信息中心", "质量部", "工程部", "行政部" };
static const char *const mail_hosts[] = { "163.com", "qq.com", "126.com", "sina.com", "foxmail.com" };

static const char *const products[] = { "数控车床", "立式加工中心", "液压站", "六轴机器人", "PLC 控制柜",
					"空压机", "输送线", "年度维保服务", "伺服电机", "变频器", "激光切割机",
					"注塑机", "工业软件", "MES 系统", "ERP 实施", "云服务器", "光伏组件",
					"储能系统", "检测设备", "叉车", "仓储货架", "包装线", "污水处理设备",
					"除尘设备" };
static const char *const opp_kinds[] = { "采购项目", "升级改造", "二期项目", "年度框架协议", "替换项目",
					 "新建产线", "Upgrade project" };
static const char *const competitors[] = { "西门子", "发那科", "ABB", "施耐德", "三菱电机", "汇川技术",
					   "海天", "大族激光", "Bosch Rexroth", "Haas" };
static const char *const lost_reasons[] = { "价格偏高", "选择了竞争对手", "项目取消", "预算冻结", "技术方案不匹配",
					    "Lost on price" };

static const char *const customer_tags[] = { "[\"重点客户\"]", "[\"老客户\"]", "[\"展会\"]", "[\"招投标\"]",
					     "[\"重点客户\",\"老客户\"]", "[\"VIP\"]" };
static const char *const customer_notes[] = { "客户对价格敏感，注意报价策略。", "年底有设备更新预算。",
					      "决策人为总经理，采购部负责执行。", "上年度合作顺利，可推荐新产品。",
					      "Key account, English-speaking purchasing team." };

typedef struct subject {
	const char *type, *text;
} subject;

static const subject subjects[] = {
	{ "call", "电话沟通需求" }, { "call", "跟进报价反馈" }, { "call", "电话回访" }, { "call", "确认交货时间" },
	{ "call", "催款提醒" }, { "call", "电话预约拜访" }, { "call", "Follow-up call" },
	{ "visit", "现场拜访，了解产线情况" }, { "visit", "上门演示产品" }, { "visit", "陪同参观样板工厂" },
	{ "visit", "拜访采购负责人" }, { "visit", "售后巡检" }, { "visit", "On-site visit" },
	{ "meeting", "技术交流会" }, { "meeting", "方案评审会" }, { "meeting", "商务谈判" },
	{ "meeting", "项目启动会" }, { "meeting", "Project kick-off meeting" },
	{ "email", "发送产品资料" }, { "email", "发送报价单" }, { "email", "发送合同草稿" },
	{ "email", "发送技术方案" }, { "email", "Sent the quotation" },
	{ "note", "客户预算确认" }, { "note", "竞争对手情况记录" }, { "note", "决策链梳理" }, { "note", "客户内部立项" },
	{ "task", "准备投标文件" }, { "task", "整理客户需求" }, { "task", "安排技术人员支持" }, { "task", "申请特价审批" },
};
/* weights of the subjects' types: calls are the most common follow-up */
static const char *const activity_types[] = { "call", "call", "call", "call", "call", "call", "call",
					      "visit", "visit", "visit", "visit", "meeting", "meeting",
					      "email", "email", "email", "note", "note", "task", "task" };
static const char *const next_steps[] = { "准备报价", "安排技术交流", "发送合同", "再次拜访", "等待客户反馈",
					  "申请样机试用", "Send revised quote" };

/* ---- output helpers ---- */

typedef struct sbuf {
	char s[1024];
	size_t n;
} sbuf;

static void sb_reset(sbuf *b)
{
	b->n = 0;
	b->s[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void sb_add(sbuf *b, const char *fmt, ...)
{
	if (b->n >= sizeof(b->s) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		b->n += (size_t)k < sizeof(b->s) - b->n ? (size_t)k : sizeof(b->s) - 1 - b->n;
}

static void die(const char *what, db *d)
{
	fprintf(stderr, "rapport-gen: %s%s%s\n", what, d ? ": " : "", d ? db_errmsg(d) : "");
	exit(1);
}

static void iso(int64_t secs, int ms, char out[32])
{
	clock_format_iso(secs * 1000 + ms, out, 32);
}

static void day(int64_t secs, char out[16])
{
	char tmp[32];
	clock_format_iso(secs * 1000, tmp, sizeof(tmp));
	memcpy(out, tmp, 10);
	out[10] = '\0';
}

static void bind_s(db_stmt *s, int i, const char *v)
{
	if (v)
		db_bind_text(s, i, v, strlen(v));
	else
		db_bind_null(s, i);
}

static void bind_i0(db_stmt *s, int i, int64_t v) /* 0 binds NULL */
{
	if (v)
		db_bind_int(s, i, v);
	else
		db_bind_null(s, i);
}

static void step_done(db *d, db_stmt *s, const char *what)
{
	if (db_step(s) != DB_DONE)
		die(what, d);
	db_done(s);
}

/* ---- the generation ---- */

typedef struct opts {
	const char *data;
	int64_t users, customers, contacts, opportunities, activities, batch;
	uint64_t seed;
	bool fts_rebuild, defer_indexes;
} opts;

typedef struct customer_info {
	int32_t owner;       /* user id, 0 when in the pool */
	uint32_t created;    /* seconds since the epoch */
	uint32_t last;       /* latest follow-up, 0 when none */
	uint16_t brand;      /* index into brands, or en_first for English names */
	uint8_t trade;       /* index into trades, or en_second */
	uint8_t english;
} customer_info;

typedef struct world {
	db *d;
	opts o;
	int64_t end;                 /* END in seconds */
	int64_t *reps;               /* user ids of rep1..repN */
	int64_t depts[NDEPTS];
	customer_info *cust;         /* [1..customers] */
	int32_t *opp_customer;       /* [1..opportunities] */
	FILE *report;
	int64_t batch_rows;
} world;

static double now_s(void)
{
	return (double)clock_monotonic_us() / 1e6;
}

static void report(world *w, const char *step, int64_t rows, double secs)
{
	char line[256];
	if (rows > 0)
		snprintf(line, sizeof(line), "%-28s %10" PRId64 " rows %8.1f s %10.0f rows/s", step, rows, secs,
			 secs > 0 ? (double)rows / secs : 0.0);
	else
		snprintf(line, sizeof(line), "%-28s %10s      %8.1f s", step, "", secs);
	printf("%s\n", line);
	fflush(stdout);
	if (w->report)
		fprintf(w->report, "%s\n", line);
}

static void begin(world *w)
{
	if (db_begin(w->d))
		die("begin", w->d);
	w->batch_rows = 0;
}

/* Commits every --batch rows. */
static void row_added(world *w)
{
	if (++w->batch_rows >= w->o.batch) {
		if (db_commit(w->d))
			die("commit", w->d);
		begin(w);
	}
}

static void commit(world *w)
{
	if (db_commit(w->d))
		die("commit", w->d);
}

/* A person's name from a stateless hash of (seed, kind, id): the same contact
 * has the same name wherever it is mentioned (follow-up texts). */
static void person_name(uint64_t seed, uint64_t kind, int64_t id, char *name, size_t nn, char *py, size_t pn)
{
	rng r = { mix64(seed ^ (kind << 56) ^ (uint64_t)id * 0x9E3779B97F4A7C15ULL) };
	if (below(&r, 100) < 5) {
		const char *g = PICK(&r, en_given), *f = PICK(&r, en_family);
		snprintf(name, nn, "%s %s", g, f);
		snprintf(py, pn, "%s.%s", g, f);
		for (char *p = py; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		return;
	}
	const word *s = &surnames[skewed(&r, N(surnames))];
	const word *g = &given_names[skewed(&r, N(given_names))];
	snprintf(name, nn, "%s%s", s->zh, g->zh);
	snprintf(py, pn, "%s%s", s->py, g->py);
}

static void mobile(rng *r, char *out, size_t n)
{
	static const char *const prefixes[] = { "130", "131", "132", "133", "135", "136", "137", "138", "139",
						"150", "151", "152", "155", "156", "158", "159", "166", "176",
						"177", "180", "181", "186", "187", "188", "189", "199" };
	snprintf(out, n, "%s%04u%04u", PICK(r, prefixes), below(r, 10000), below(r, 10000));
}

static void office_phone(rng *r, const city *c, char *out, size_t n)
{
	snprintf(out, n, "%s-%u%03u %04u", c->area, 2 + below(r, 7), below(r, 1000), below(r, 10000));
}

static void seed_settings(world *w)
{
	/* The daily pool job would start recycling a generated database the
	 * moment the server starts; benchmarks measure requests, not that. */
	if (db_exec(w->d, "INSERT INTO settings(key, value) VALUES ('pool', '{\"enabled\":false}') "
			  "ON CONFLICT(key) DO UPDATE SET value = excluded.value"))
		die("settings", w->d);
}

static void gen_users(world *w)
{
	double t0 = now_s();
	char hash[256];
	if (auth_hash_password(PASSWORD, hash, sizeof(hash)))
		die("cannot hash the password", NULL);
	char now[32], name[64], py[64], uname[32], email[96];
	iso(w->end - 3 * YEAR_S - 30 * 86400, 0, now);
	begin(w);
	static const char *const dept_names[NDEPTS] = { "销售一部", "销售二部", "销售三部", "销售四部", "销售五部",
							"华东大区", "华南大区", "华北大区", "西部大区", "海外事业部" };
	for (int i = 0; i < NDEPTS; i++) {
		db_stmt *s = db_prepare(w->d, "INSERT INTO departments(version, created_at, updated_at, name, sort_order) "
					      "VALUES (1, ?, ?, ?, ?) RETURNING id");
		if (!s)
			die("prepare departments", w->d);
		bind_s(s, 1, now);
		bind_s(s, 2, now);
		bind_s(s, 3, dept_names[i]);
		db_bind_int(s, 4, i + 1);
		if (db_step(s) != DB_ROW)
			die("insert department", w->d);
		w->depts[i] = db_col_int(s, 0);
		db_done(s);
	}
	const char *user_sql = "INSERT INTO users(username, name, email, password_hash, roles, locale, department_id, "
			       "version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'zh-CN', ?, 1, ?, ?) RETURNING id";
	int64_t made = 0;
	/* one manager per department (the data scope department_tree), one director (all) */
	for (int i = 0; i <= NDEPTS; i++) {
		db_stmt *s = db_prepare(w->d, user_sql);
		if (!s)
			die("prepare users", w->d);
		person_name(w->o.seed, 7, i, name, sizeof(name), py, sizeof(py));
		if (i < NDEPTS)
			snprintf(uname, sizeof(uname), "manager%d", i + 1);
		else
			snprintf(uname, sizeof(uname), "director");
		snprintf(email, sizeof(email), "%s@rapport-bench.example", uname);
		bind_s(s, 1, uname);
		bind_s(s, 2, name);
		bind_s(s, 3, email);
		bind_s(s, 4, hash);
		bind_s(s, 5, i < NDEPTS ? "[\"sales_manager\"]" : "[\"sales_director\"]");
		bind_i0(s, 6, i < NDEPTS ? w->depts[i] : 0);
		bind_s(s, 7, now);
		bind_s(s, 8, now);
		if (db_step(s) != DB_ROW)
			die("insert user (is the database fresh from rapport init?)", w->d);
		int64_t id = db_col_int(s, 0);
		db_done(s);
		made++;
		if (i < NDEPTS) {
			s = db_prepare(w->d, "UPDATE departments SET manager_id = ? WHERE id = ?");
			db_bind_int(s, 1, id);
			db_bind_int(s, 2, w->depts[i]);
			step_done(w->d, s, "department manager");
		}
	}
	w->reps = calloc((size_t)w->o.users, sizeof(int64_t));
	for (int64_t i = 0; i < w->o.users; i++) {
		db_stmt *s = db_prepare(w->d, user_sql);
		person_name(w->o.seed, 8, i, name, sizeof(name), py, sizeof(py));
		snprintf(uname, sizeof(uname), "rep%" PRId64, i + 1);
		snprintf(email, sizeof(email), "%s.%s@rapport-bench.example", py, uname);
		bind_s(s, 1, uname);
		bind_s(s, 2, name);
		bind_s(s, 3, email);
		bind_s(s, 4, hash);
		bind_s(s, 5, "[\"sales_rep\"]");
		db_bind_int(s, 6, w->depts[i % NDEPTS]);
		bind_s(s, 7, now);
		bind_s(s, 8, now);
		if (db_step(s) != DB_ROW)
			die("insert user (is the database fresh from rapport init?)", w->d);
		w->reps[i] = db_col_int(s, 0);
		db_done(s);
		made++;
	}
	commit(w);
	report(w, "users + departments", made, now_s() - t0);
}

/* The department a rep (by user id) belongs to: reps were made in order. */
static int64_t dept_of_rep_index(world *w, int64_t k)
{
	return w->depts[k % NDEPTS];
}

static void customer_short_name(const customer_info *c, char *out, size_t n)
{
	if (c->english)
		snprintf(out, n, "%s %s", en_first[c->brand], en_second[c->trade]);
	else
		snprintf(out, n, "%s%s", brands[c->brand].zh, trades[c->trade].zh);
}

static void gen_customers(world *w)
{
	double t0 = now_s();
	rng r = { w->o.seed ^ 0x2002 };
	w->cust = calloc((size_t)w->o.customers + 1, sizeof(customer_info));
	static const char *const grades[] = { "A", "B", "B", "C", "C", "C", "D", "D" };
	static const char *const statuses[] = { "potential", "potential", "potential", "potential", "intent",
						"intent", "intent", "deal", "deal", "lost" };
	static const char *const sources[] = { "website", "referral", "exhibition", "cold_call", "advertising",
					       "partner", "other" };
	static const char *const ratings[] = { "excellent", "good", "good", "fair", "poor" };
	const char *sql = "INSERT INTO customers(id, version, created_at, updated_at, created_by, updated_by, owner_id, "
			  "name, short_name, industry, grade, status, source, province, city, address, phone, website, "
			  "credit_rating, tags, next_follow_up_at, notes, owned_since, pool_department_id) "
			  "VALUES (?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	begin(w);
	char created[32], updated[32], next[32], name[256], shortn[128], addr[256], phone[40], site[128];
	for (int64_t id = 1; id <= w->o.customers; id++) {
		customer_info *c = &w->cust[id];
		const city *ct = &cities[skewed(&r, N(cities))];
		int64_t k = below(&r, (uint32_t)w->o.users);
		bool pooled = chance(&r, 8);
		c->owner = pooled ? 0 : (int32_t)w->reps[k];
		int64_t pool_dept = pooled ? dept_of_rep_index(w, k) : 0;
		int64_t cr = w->end - 4 * YEAR_S + below(&r, (uint32_t)(4 * YEAR_S - 30 * 86400));
		int64_t up = cr + below(&r, (uint32_t)(w->end - cr));
		c->created = (uint32_t)cr;
		const char *industry;
		c->english = chance(&r, 10);
		if (c->english) {
			c->brand = (uint16_t)below(&r, N(en_first));
			c->trade = (uint8_t)below(&r, N(en_second));
			if (chance(&r, 50))
				snprintf(name, sizeof(name), "%s %s (%s) %s", en_first[c->brand], en_second[c->trade],
					 ct->pinyin, PICK(&r, en_suffix));
			else
				snprintf(name, sizeof(name), "%s %s %s", en_first[c->brand], en_second[c->trade],
					 PICK(&r, en_suffix));
			industry = PICK(&r, trades).industry;
			snprintf(site, sizeof(site), "https://www.%s-%s.com", en_first[c->brand], ct->pinyin);
		} else {
			c->brand = (uint16_t)below(&r, N(brands));
			c->trade = (uint8_t)below(&r, N(trades));
			snprintf(name, sizeof(name), "%s%s%s%s", chance(&r, 85) ? ct->name : "", brands[c->brand].zh,
				 trades[c->trade].zh, PICK(&r, company_suffixes));
			industry = chance(&r, 90) ? trades[c->trade].industry : "other";
			snprintf(site, sizeof(site), "https://www.%s%u.com.cn", brands[c->brand].py, below(&r, 1000));
		}
		for (char *p = site; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
			else if (*p == '\'')
				*p = '-';
		customer_short_name(c, shortn, sizeof(shortn));
		snprintf(addr, sizeof(addr), "%s市%s%s%u号", ct->name, PICK(&r, districts), PICK(&r, roads),
			 1 + below(&r, 999));
		office_phone(&r, ct, phone, sizeof(phone));
		iso(cr, (int)below(&r, 1000), created);
		iso(up, (int)below(&r, 1000), updated);
		bool has_next = chance(&r, 15);
		if (has_next)
			iso(w->end + 86400 * (1 + below(&r, 30)), 0, next);

		db_stmt *s = db_prepare(w->d, sql);
		if (!s)
			die("prepare customers", w->d);
		int col = 1;
		db_bind_int(s, col++, id);
		bind_s(s, col++, created);
		bind_s(s, col++, updated);
		bind_i0(s, col++, c->owner ? c->owner : w->reps[k]);
		bind_i0(s, col++, c->owner ? c->owner : w->reps[k]);
		bind_i0(s, col++, c->owner);
		bind_s(s, col++, name);
		bind_s(s, col++, shortn);
		bind_s(s, col++, industry);
		bind_s(s, col++, chance(&r, 90) ? PICK(&r, grades) : NULL);
		bind_s(s, col++, PICK(&r, statuses));
		bind_s(s, col++, PICK(&r, sources));
		bind_s(s, col++, ct->province);
		bind_s(s, col++, ct->name);
		bind_s(s, col++, addr);
		bind_s(s, col++, phone);
		bind_s(s, col++, chance(&r, 40) ? site : NULL);
		bind_s(s, col++, chance(&r, 60) ? PICK(&r, ratings) : NULL);
		bind_s(s, col++, chance(&r, 20) ? PICK(&r, customer_tags) : "[]");
		bind_s(s, col++, has_next ? next : NULL);
		bind_s(s, col++, chance(&r, 15) ? PICK(&r, customer_notes) : NULL);
		bind_s(s, col++, c->owner ? created : NULL);
		bind_i0(s, col++, pool_dept);
		step_done(w->d, s, "insert customer");
		row_added(w);
	}
	commit(w);
	report(w, "customers", w->o.customers, now_s() - t0);
}

static int64_t owner_or_rep(world *w, rng *r, const customer_info *c)
{
	return c->owner ? c->owner : w->reps[below(r, (uint32_t)w->o.users)];
}

static void gen_contacts(world *w)
{
	double t0 = now_s();
	rng r = { w->o.seed ^ 0x3003 };
	const char *sql = "INSERT INTO contacts(id, version, created_at, updated_at, created_by, updated_by, owner_id, "
			  "customer_id, name, title, department, mobile, phone, email, wechat, birthday, is_primary, notes) "
			  "VALUES (?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	begin(w);
	char name[96], py[96], created[32], updated[32], mob[24], phone[40], email[256], wechat[128], bday[16];
	for (int64_t id = 1; id <= w->o.contacts; id++) {
		/* the first contacts are each customer's primary one, the rest spread at random */
		bool primary = id <= w->o.customers;
		int64_t cid = primary ? id : 1 + below(&r, (uint32_t)w->o.customers);
		const customer_info *c = &w->cust[cid];
		person_name(w->o.seed, 1, id, name, sizeof(name), py, sizeof(py));
		int64_t cr = c->created + below(&r, (uint32_t)(w->end - c->created));
		int64_t up = cr + below(&r, (uint32_t)(w->end - cr + 1));
		iso(cr, (int)below(&r, 1000), created);
		iso(up, (int)below(&r, 1000), updated);
		mobile(&r, mob, sizeof(mob));
		bool has_phone = chance(&r, 30);
		if (has_phone)
			office_phone(&r, &cities[below(&r, N(cities))], phone, sizeof(phone));
		if (chance(&r, 50))
			snprintf(email, sizeof(email), "%s%u@%s", py, below(&r, 100), PICK(&r, mail_hosts));
		else
			snprintf(email, sizeof(email), "%s@%s.com", py,
				 c->english ? en_first[c->brand] : brands[c->brand].py);
		for (char *p = email; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		bool has_wechat = chance(&r, 40);
		if (has_wechat)
			snprintf(wechat, sizeof(wechat), "%s_%u", py, below(&r, 10000));
		bool has_bday = chance(&r, 25);
		if (has_bday)
			day(w->end - (22 + below(&r, 40)) * YEAR_S - below(&r, 365) * 86400, bday);
		int64_t owner = c->owner;

		db_stmt *s = db_prepare(w->d, sql);
		if (!s)
			die("prepare contacts", w->d);
		int col = 1;
		db_bind_int(s, col++, id);
		bind_s(s, col++, created);
		bind_s(s, col++, updated);
		int64_t by = owner_or_rep(w, &r, c);
		db_bind_int(s, col++, by);
		db_bind_int(s, col++, by);
		bind_i0(s, col++, owner);
		db_bind_int(s, col++, cid);
		bind_s(s, col++, name);
		bind_s(s, col++, chance(&r, 85) ? PICK(&r, titles) : NULL);
		bind_s(s, col++, chance(&r, 60) ? PICK(&r, contact_depts) : NULL);
		bind_s(s, col++, mob);
		bind_s(s, col++, has_phone ? phone : NULL);
		bind_s(s, col++, chance(&r, 70) ? email : NULL);
		bind_s(s, col++, has_wechat ? wechat : NULL);
		bind_s(s, col++, has_bday ? bday : NULL);
		db_bind_int(s, col++, primary);
		bind_s(s, col++, chance(&r, 5) ? "喜欢打羽毛球，周末不方便联系。" : NULL);
		step_done(w->d, s, "insert contact");
		row_added(w);
	}
	commit(w);
	report(w, "contacts", w->o.contacts, now_s() - t0);
}

typedef struct stage {
	const char *value;
	int probability, weight;
	bool closed;
} stage;

static const stage stages[] = {
	{ "initial", 10, 25, false }, { "needs_analysis", 25, 20, false }, { "proposal", 50, 18, false },
	{ "negotiation", 75, 12, false }, { "won", 100, 15, true }, { "lost", 0, 10, true },
};

static void gen_opportunities(world *w)
{
	double t0 = now_s();
	rng r = { w->o.seed ^ 0x4004 };
	w->opp_customer = calloc((size_t)w->o.opportunities + 1, sizeof(int32_t));
	const char *sql = "INSERT INTO opportunities(id, version, created_at, updated_at, created_by, updated_by, "
			  "owner_id, customer_id, name, amount, amount_currency, stage, expected_close_on, probability, "
			  "competitors, lost_reason, notes) VALUES (?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	begin(w);
	char name[256], shortn[128], created[32], updated[32], close_on[16];
	for (int64_t id = 1; id <= w->o.opportunities; id++) {
		int64_t cid = 1 + below(&r, (uint32_t)w->o.customers);
		w->opp_customer[id] = (int32_t)cid;
		const customer_info *c = &w->cust[cid];
		customer_short_name(c, shortn, sizeof(shortn));
		snprintf(name, sizeof(name), "%s%s%s", shortn, PICK(&r, products), PICK(&r, opp_kinds));
		uint32_t pick = below(&r, 100), acc = 0;
		const stage *st = &stages[0];
		for (uint32_t i = 0; i < N(stages); i++) {
			acc += (uint32_t)stages[i].weight;
			if (pick < acc) {
				st = &stages[i];
				break;
			}
		}
		int64_t cr = c->created + below(&r, (uint32_t)(w->end - c->created));
		int64_t up = cr + below(&r, (uint32_t)(w->end - cr + 1));
		iso(cr, (int)below(&r, 1000), created);
		iso(up, (int)below(&r, 1000), updated);
		/* log-uniform from 10 thousand to 5 million yuan, rounded to hundreds, in fen */
		double u = (double)(next64(&r) >> 11) / 9007199254740992.0;
		int64_t yuan = (int64_t)(10000.0 * exp(u * 6.2146)) / 100 * 100;
		uint32_t cur = below(&r, 100);
		if (st->closed)
			day(up - below(&r, 30) * 86400, close_on);
		else
			day(w->end + (1 + below(&r, 180)) * 86400, close_on);

		db_stmt *s = db_prepare(w->d, sql);
		if (!s)
			die("prepare opportunities", w->d);
		int col = 1;
		int64_t by = owner_or_rep(w, &r, c);
		db_bind_int(s, col++, id);
		bind_s(s, col++, created);
		bind_s(s, col++, updated);
		db_bind_int(s, col++, by);
		db_bind_int(s, col++, by);
		db_bind_int(s, col++, by);
		db_bind_int(s, col++, cid);
		bind_s(s, col++, name);
		db_bind_int(s, col++, yuan * 100);
		bind_s(s, col++, cur < 92 ? "CNY" : cur < 97 ? "USD" : "EUR");
		bind_s(s, col++, st->value);
		bind_s(s, col++, close_on);
		db_bind_int(s, col++, st->probability);
		bind_s(s, col++, chance(&r, 30) ? PICK(&r, competitors) : NULL);
		bind_s(s, col++, !strcmp(st->value, "lost") ? PICK(&r, lost_reasons) : NULL);
		bind_s(s, col++, chance(&r, 10) ? "客户要求分期付款，需财务审批。" : NULL);
		step_done(w->d, s, "insert opportunity");
		row_added(w);
	}
	commit(w);
	report(w, "opportunities", w->o.opportunities, now_s() - t0);
}

static void activity_content(world *w, rng *r, int64_t contact, const customer_info *c, sbuf *b)
{
	char who[96], py[96];
	if (contact)
		person_name(w->o.seed, 1, contact, who, sizeof(who), py, sizeof(py));
	else
		snprintf(who, sizeof(who), "客户");
	const char *prod = PICK(r, products);
	sb_reset(b);
	switch (below(r, 9)) {
	case 0:
		sb_add(b, "与%s电话沟通，客户对%s比较感兴趣，预算约%u万元。", who, prod, 5 + below(r, 300));
		break;
	case 1:
		sb_add(b, "%s反馈报价偏高，希望再优惠%u%%，需要申请特价。", who, 3 + below(r, 12));
		break;
	case 2:
		sb_add(b, "拜访%s，了解到客户计划%u月启动%s采购，竞争对手是%s。", who, 1 + below(r, 12), prod,
		       PICK(r, competitors));
		break;
	case 3:
		sb_add(b, "%s确认收到资料，下周安排技术交流。", who);
		break;
	case 4:
		sb_add(b, "已发送%s方案和报价，等待%s回复。", prod, who);
		break;
	case 5:
		sb_add(b, "%s said the budget is about %u0k CNY; a decision is expected within %u weeks.", who,
		       5 + below(r, 90), 1 + below(r, 8));
		break;
	case 6:
		sb_add(b, "客户内部正在走审批流程，%s预计%u天内给答复。", who, 3 + below(r, 20));
		break;
	case 7:
		sb_add(b, "售后回访：%s运行正常，客户满意，可推荐%s。", prod, PICK(r, products));
		break;
	default: {
		char shortn[128];
		customer_short_name(c, shortn, sizeof(shortn));
		sb_add(b, "%s的%s介绍了新产线规划，重点关注%s的交期和售后服务。", shortn, who, prod);
	}
	}
}

static void gen_activities(world *w)
{
	double t0 = now_s();
	rng r = { w->o.seed ^ 0x5005 };
	const char *sql = "INSERT INTO activities(id, version, created_at, updated_at, created_by, updated_by, owner_id, "
			  "type, subject, content, occurred_at, next_step, next_follow_up_at, customer_id, contact_id, "
			  "opportunity_id) VALUES (?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	begin(w);
	sbuf content;
	char occurred[32], created[32], next[32];
	int64_t window = 3 * YEAR_S;
	for (int64_t id = 1; id <= w->o.activities; id++) {
		int64_t opp = 0, cid;
		if (w->o.opportunities && chance(&r, 15)) {
			opp = 1 + below(&r, (uint32_t)w->o.opportunities);
			cid = w->opp_customer[opp];
		} else {
			cid = 1 + below(&r, (uint32_t)w->o.customers);
		}
		customer_info *c = &w->cust[cid];
		int64_t contact = cid <= w->o.contacts && chance(&r, 60) ? cid : 0;
		const char *type = PICK(&r, activity_types);
		const subject *sj;
		do
			sj = &subjects[below(&r, N(subjects))];
		while (strcmp(sj->type, type));
		int64_t from = c->created > w->end - window ? c->created : w->end - window;
		/* working hours, China time (UTC+8): 08:30 to 19:00 */
		int64_t occ = from + below(&r, (uint32_t)(w->end - from));
		occ = occ - occ % 86400 + 1800 + below(&r, 37800);
		if (occ > w->end)
			occ -= 86400;
		if ((uint32_t)occ > c->last)
			c->last = (uint32_t)occ;
		iso(occ, 0, occurred);
		iso(occ + below(&r, 3600), (int)below(&r, 1000), created);
		bool has_content = chance(&r, 75);
		if (has_content)
			activity_content(w, &r, contact, c, &content);
		bool has_next = chance(&r, 20);
		if (has_next)
			iso(occ + 86400 * (3 + below(&r, 12)), 0, next);

		db_stmt *s = db_prepare(w->d, sql);
		if (!s)
			die("prepare activities", w->d);
		int col = 1;
		int64_t by = owner_or_rep(w, &r, c);
		db_bind_int(s, col++, id);
		bind_s(s, col++, created);
		bind_s(s, col++, created);
		db_bind_int(s, col++, by);
		db_bind_int(s, col++, by);
		db_bind_int(s, col++, by);
		bind_s(s, col++, type);
		bind_s(s, col++, sj->text);
		bind_s(s, col++, has_content ? content.s : NULL);
		bind_s(s, col++, occurred);
		bind_s(s, col++, chance(&r, 30) ? PICK(&r, next_steps) : NULL);
		bind_s(s, col++, has_next ? next : NULL);
		db_bind_int(s, col++, cid);
		bind_i0(s, col++, contact);
		bind_i0(s, col++, opp);
		step_done(w->d, s, "insert activity");
		row_added(w);
	}
	commit(w);
	report(w, "activities", w->o.activities, now_s() - t0);

	/* the customers' last contact follows their latest follow-up, as the hook does */
	t0 = now_s();
	begin(w);
	int64_t n = 0;
	for (int64_t id = 1; id <= w->o.customers; id++) {
		const customer_info *c = &w->cust[id];
		if (!c->last)
			continue;
		char last[32];
		iso(c->last, 0, last);
		db_stmt *s = db_prepare(w->d, "UPDATE customers SET last_contacted_at = ?1, "
					      "updated_at = max(updated_at, ?1) WHERE id = ?2");
		bind_s(s, 1, last);
		db_bind_int(s, 2, id);
		step_done(w->d, s, "update customer");
		row_added(w);
		n++;
	}
	commit(w);
	report(w, "customers.last_contacted_at", n, now_s() - t0);
}

/* ---- deferred indexes and search triggers ---- */

typedef struct saved_sql {
	char *name, *sql, *table;
} saved_sql;

typedef struct saved {
	saved_sql *v;
	int n;
} saved;

static const char *const big_tables[] = { "customers", "contacts", "opportunities", "activities" };

/* Saves and drops the objects of `type` (index, trigger) on the big tables. */
static void save_and_drop(world *w, const char *type, saved *out)
{
	out->v = NULL;
	out->n = 0;
	for (uint32_t t = 0; t < N(big_tables); t++) {
		db_stmt *s = db_prepare(w->d, "SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name = ? "
					      "AND sql IS NOT NULL ORDER BY name");
		bind_s(s, 1, type);
		bind_s(s, 2, big_tables[t]);
		while (db_step(s) == DB_ROW) {
			out->v = realloc(out->v, sizeof(saved_sql) * (size_t)(out->n + 1));
			saved_sql *x = &out->v[out->n++];
			x->name = strdup(db_col_text(s, 0));
			x->sql = strdup(db_col_text(s, 1));
			x->table = strdup(big_tables[t]);
		}
		db_done(s);
	}
	for (int i = 0; i < out->n; i++) {
		char q[256];
		snprintf(q, sizeof(q), "DROP %s %s", !strcmp(type, "index") ? "INDEX" : "TRIGGER", out->v[i].name);
		if (db_exec(w->d, q))
			die(q, w->d);
	}
}

static void recreate_indexes(world *w, saved *sv)
{
	for (uint32_t t = 0; t < N(big_tables); t++) {
		double t0 = now_s();
		int n = 0;
		for (int i = 0; i < sv->n; i++) {
			if (strcmp(sv->v[i].table, big_tables[t]))
				continue;
			if (db_exec(w->d, sv->v[i].sql))
				die(sv->v[i].sql, w->d);
			n++;
		}
		char step[64];
		snprintf(step, sizeof(step), "%s: %d indexes", big_tables[t], n);
		report(w, step, 0, now_s() - t0);
	}
}

static void rebuild_search(world *w, saved *triggers)
{
	for (uint32_t t = 0; t < N(big_tables); t++) {
		double t0 = now_s();
		char q[256];
		/* optimize: one segment, as a bulk load should leave it; a rebuild
		 * leaves an incremental merge half done, which the first writes of
		 * a run then pay (20-40 extra pages a follow-up, bench/NOTES.md) */
		snprintf(q, sizeof(q), "INSERT INTO %s_fts(%s_fts) VALUES ('rebuild'); "
			 "INSERT INTO %s_fts(%s_fts) VALUES ('optimize')",
			 big_tables[t], big_tables[t], big_tables[t], big_tables[t]);
		if (db_exec(w->d, q))
			die(q, w->d);
		char step[64];
		snprintf(step, sizeof(step), "%s_fts rebuild", big_tables[t]);
		report(w, step, 0, now_s() - t0);
	}
	for (int i = 0; i < triggers->n; i++)
		if (db_exec(w->d, triggers->v[i].sql))
			die(triggers->v[i].sql, w->d);
}

/* ---- the SQL runner ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int run_sql(db *d, const char *sql, int repeat)
{
	double *times = calloc((size_t)repeat, sizeof(double));
	int64_t rows = 0;
	for (int k = 0; k < repeat; k++) {
		int64_t t0 = clock_monotonic_us();
		db_stmt *s = db_prepare(d, sql);
		if (!s) {
			fprintf(stderr, "rapport-gen: %s\n", db_errmsg(d));
			return 1;
		}
		int rc;
		rows = 0;
		while ((rc = db_step(s)) == DB_ROW) {
			rows++;
			if (k)
				continue;
			for (int c = 0; c < db_col_count(s); c++) {
				const char *v = db_col_text(s, c);
				printf("%s%s", c ? "\t" : "", v ? v : "NULL");
			}
			printf("\n");
		}
		db_done(s);
		if (rc < 0) {
			fprintf(stderr, "rapport-gen: %s\n", db_errmsg(d));
			return 1;
		}
		times[k] = (double)(clock_monotonic_us() - t0) / 1000.0;
	}
	qsort(times, (size_t)repeat, sizeof(double), cmp_double);
	fprintf(stderr, "-- %" PRId64 " rows; %d runs: min %.2f ms, median %.2f ms, max %.2f ms\n", rows, repeat,
		times[0], times[repeat / 2], times[repeat - 1]);
	free(times);
	return 0;
}

/* ---- main ---- */

static int64_t count_arg(const char *flag, const char *v)
{
	char *end;
	long long n = v ? strtoll(v, &end, 10) : -1;
	if (!v || *end || n < 0) {
		fprintf(stderr, "rapport-gen: %s wants a whole number\n", flag);
		exit(2);
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: rapport-gen --data DIR [--users N] [--customers N] [--contacts N] [--opportunities N]\n"
		"                   [--activities N] [--seed N] [--batch N] [--fts trigger|rebuild]\n"
		"                   [--indexes keep|defer]\n"
		"       rapport-gen --data DIR --sql SQL [--repeat N]   (rows tab-separated; timing on stderr)\n"
		"       rapport-gen --data DIR --exec SQL\n"
		"       rapport-gen --data DIR --to-postgres URL   (copy into PostgreSQL with COPY)\n");
}

int main(int argc, char **argv)
{
	opts o = { .users = 50, .customers = 10000, .contacts = 20000, .opportunities = 5000,
		   .activities = 50000, .batch = 50000, .seed = 20261128, .fts_rebuild = true,
		   .defer_indexes = true };
	const char *sql = NULL, *exec = NULL, *to_pg = NULL;
	int repeat = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			return 0;
		}
		if (!v) {
			usage();
			return 2;
		}
		i++;
		if (!strcmp(a, "--data"))
			o.data = v;
		else if (!strcmp(a, "--users"))
			o.users = count_arg(a, v);
		else if (!strcmp(a, "--customers"))
			o.customers = count_arg(a, v);
		else if (!strcmp(a, "--contacts"))
			o.contacts = count_arg(a, v);
		else if (!strcmp(a, "--opportunities"))
			o.opportunities = count_arg(a, v);
		else if (!strcmp(a, "--activities"))
			o.activities = count_arg(a, v);
		else if (!strcmp(a, "--seed"))
			o.seed = (uint64_t)count_arg(a, v);
		else if (!strcmp(a, "--batch"))
			o.batch = count_arg(a, v);
		else if (!strcmp(a, "--fts") && (!strcmp(v, "trigger") || !strcmp(v, "rebuild")))
			o.fts_rebuild = !strcmp(v, "rebuild");
		else if (!strcmp(a, "--indexes") && (!strcmp(v, "keep") || !strcmp(v, "defer")))
			o.defer_indexes = !strcmp(v, "defer");
		else if (!strcmp(a, "--sql"))
			sql = v;
		else if (!strcmp(a, "--exec"))
			exec = v;
		else if (!strcmp(a, "--to-postgres"))
			to_pg = v;
		else if (!strcmp(a, "--repeat"))
			repeat = (int)count_arg(a, v);
		else {
			usage();
			return 2;
		}
	}
	if (!o.data) {
		usage();
		return 2;
	}
	if (getenv("RAPPORT_DATABASE_URL")) {
		fprintf(stderr, "rapport-gen: generates SQLite databases only; unset RAPPORT_DATABASE_URL\n");
		return 2;
	}
	cmd_opts co = { .data = o.data };
	if (cmd_open_data(&co, !sql && !exec && !to_pg))
		return 1;
	db *d = db_thread();
	if (to_pg) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/bench-gen-postgres.txt", o.data);
		FILE *report = fopen(path, "w");
		int rc = gen_pg_copy(d, to_pg, report);
		if (report)
			fclose(report);
		db_thread_close();
		return rc ? 1 : 0;
	}
	if (sql || exec) {
		if (exec && db_exec(d, exec)) {
			fprintf(stderr, "rapport-gen: %s\n", db_errmsg(d));
			return 1;
		}
		int rc = sql ? run_sql(d, sql, repeat < 1 ? 1 : repeat) : 0;
		db_thread_close();
		return rc;
	}
	if (o.users < 1 || o.customers < 1 || o.batch < 1 || o.customers > INT32_MAX || o.opportunities > INT32_MAX) {
		fprintf(stderr, "rapport-gen: need at least one user and one customer\n");
		return 2;
	}
	if (db_query_int(d, "SELECT count(*) FROM customers", 0) > 0) {
		fprintf(stderr, "rapport-gen: %s already holds customers; generate into a fresh database\n", o.data);
		return 1;
	}
	world w = { .d = d, .o = o };
	int64_t end_ms;
	if (clock_parse_iso(END_ISO, &end_ms))
		die("bad END", NULL);
	w.end = end_ms / 1000;
	char path[4096];
	snprintf(path, sizeof(path), "%s/bench-gen.txt", o.data);
	w.report = fopen(path, "w");
	printf("generating: %" PRId64 " users, %" PRId64 " customers, %" PRId64 " contacts, %" PRId64
	       " opportunities, %" PRId64 " activities (seed %" PRIu64 ", fts %s, indexes %s, %" PRId64
	       " rows per commit)\n",
	       o.users, o.customers, o.contacts, o.opportunities, o.activities, o.seed,
	       o.fts_rebuild ? "rebuild" : "trigger", o.defer_indexes ? "defer" : "keep", o.batch);
	if (w.report)
		fprintf(w.report, "options: users=%" PRId64 " customers=%" PRId64 " contacts=%" PRId64
			" opportunities=%" PRId64 " activities=%" PRId64 " seed=%" PRIu64 " fts=%s indexes=%s batch=%" PRId64 "\n",
			o.users, o.customers, o.contacts, o.opportunities, o.activities, o.seed,
			o.fts_rebuild ? "rebuild" : "trigger", o.defer_indexes ? "defer" : "keep", o.batch);

	/* A throw-away load: no rollback journal for fresh tables' growth, no
	 * fsync; a crash leaves a database run.sh does not reuse (no stamp). */
	if (db_exec(d, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576;"))
		die("pragmas", d);
	/* CREATE INDEX sorts with helper threads when allowed to */
	char threads[64];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(threads, sizeof(threads), "PRAGMA threads=%ld", cores > 1 ? (cores < 8 ? cores : 8) : 1);
	if (db_exec(d, threads))
		die("pragmas", d);
	double t_all = now_s();
	seed_settings(&w);
	saved idx = { 0 }, trg = { 0 };
	if (o.defer_indexes)
		save_and_drop(&w, "index", &idx);
	if (o.fts_rebuild)
		save_and_drop(&w, "trigger", &trg);
	gen_users(&w);
	gen_customers(&w);
	gen_contacts(&w);
	gen_opportunities(&w);
	gen_activities(&w);
	if (o.defer_indexes)
		recreate_indexes(&w, &idx);
	if (o.fts_rebuild)
		rebuild_search(&w, &trg);
	double t0 = now_s();
	if (db_exec(d, "PRAGMA journal_mode=WAL"))
		die("back to WAL", d);
	report(&w, "back to WAL", 0, now_s() - t0);
	int64_t rows = o.users + NDEPTS * 2 + 1 + o.customers + o.contacts + o.opportunities + o.activities;
	report(&w, "total", rows, now_s() - t_all);
	if (w.report)
		fclose(w.report);
	db_thread_close();
	return 0;
}

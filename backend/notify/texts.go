package notify

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// The languages messages are written in; a recipient without a stored one reads zh-TW.
const (
	LangZhTW = "zh-TW"
	LangZhCN = "zh-CN"
	LangEn   = "en"
)

// texts are the few words of a message, per language. A small table in the feature
// for now; the server's texts move to catalogues in another issue.
var texts = map[string]map[string]string{
	LangZhTW: {
		"task": "訂單 %s 待您審核", "reminder": "提醒：訂單 %s 仍待您審核", "escalation": "逾時：訂單 %s 未處理",
		"mention": "有人在訂單 %s 提到您", "digest": "待辦摘要：%d 件待處理",
		"number": "單號", "customer": "客戶", "amount": "金額", "node": "步驟", "check": "請確認", "left": "剩餘時間",
		"overdue": "已逾時", "approve": "核准", "reject": "駁回", "open": "開啟", "reasons": "駁回原因",
		"hours": "%d 小時 %d 分", "minutes": "%d 分",
	},
	LangZhCN: {
		"task": "订单 %s 待您审核", "reminder": "提醒：订单 %s 仍待您审核", "escalation": "超时：订单 %s 未处理",
		"mention": "有人在订单 %s 提到您", "digest": "待办摘要：%d 件待处理",
		"number": "单号", "customer": "客户", "amount": "金额", "node": "步骤", "check": "请确认", "left": "剩余时间",
		"overdue": "已超时", "approve": "批准", "reject": "驳回", "open": "打开", "reasons": "驳回原因",
		"hours": "%d 小时 %d 分", "minutes": "%d 分",
	},
	LangEn: {
		"task": "Order %s awaits your review", "reminder": "Reminder: order %s still awaits your review", "escalation": "Overdue: order %s",
		"mention": "You were mentioned on order %s", "digest": "Digest: %d tasks waiting",
		"number": "Number", "customer": "Customer", "amount": "Amount", "node": "Step", "check": "Please check", "left": "Time left",
		"overdue": "overdue", "approve": "Approve", "reject": "Reject", "open": "Open", "reasons": "Reject reasons",
		"hours": "%d h %d min", "minutes": "%d min",
	},
}

// Lang is the language a message is written in: the recipient's stored one when the
// table has it, else zh-TW.
func Lang(stored string) string {
	if _, ok := texts[stored]; ok {
		return stored
	}
	return LangZhTW
}

// word is a text of the table in lang.
func word(lang, key string) string { return texts[Lang(lang)][key] }

// amount writes a number with thousands separators and at most two decimals.
func amount(v float64) string {
	neg := v < 0
	v = math.Abs(v)
	whole := int64(v)
	cents := int64(math.Round((v - float64(whole)) * 100))
	if cents == 100 {
		whole, cents = whole+1, 0
	}
	s := fmt.Sprint(whole)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if cents > 0 {
		out += fmt.Sprintf(".%02d", cents)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// left writes the time until a deadline in lang ("overdue" when past).
func left(lang string, d time.Duration) string {
	if d <= 0 {
		return word(lang, "overdue")
	}
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf(word(lang, "minutes"), m)
	}
	return fmt.Sprintf(word(lang, "hours"), m/60, m%60)
}

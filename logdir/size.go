package logdir

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// units are the size suffixes ParseSize knows, lower case: SI prefixes
// are powers of 1000 and IEC prefixes powers of 1024.
var units = []struct {
	suffix string
	n      int64
}{
	{"gib", 1 << 30}, {"gi", 1 << 30}, {"gb", 1e9}, {"g", 1e9},
	{"mib", 1 << 20}, {"mi", 1 << 20}, {"mb", 1e6}, {"m", 1e6},
	{"kib", 1 << 10}, {"ki", 1 << 10}, {"kb", 1e3}, {"k", 1e3},
	{"b", 1},
}

// ParseSize reads a size in bytes: a number, possibly with a fraction,
// and an optional unit, case-insensitive: B, KB (1000), KiB (1024), MB,
// MiB, GB, GiB; K, M and G alone are KB, MB and GB. "10MiB", "1.5 GB" and
// "4096" are sizes.
func ParseSize(s string) (int64, error) {
	num := strings.TrimSpace(s)
	mult := int64(1)
	lower := strings.ToLower(num)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			num, mult = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.n
			break
		}
	}
	if num == "" || strings.IndexFunc(num, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }) >= 0 {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit (B, KB, KiB, MB, MiB, GB, GiB)", s)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n > math.MaxInt64/mult {
			return 0, fmt.Errorf("size %q: too large", s)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit (B, KB, KiB, MB, MiB, GB, GiB)", s)
	}
	if f*float64(mult) >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return int64(math.Round(f * float64(mult))), nil
}

// FormatSize writes n in the largest unit that divides it exactly,
// preferring KiB, MiB and GiB: FormatSize(10<<20) is "10MiB". ParseSize
// reads it back.
func FormatSize(n int64) string {
	if n == 0 {
		return "0"
	}
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}} {
		if n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

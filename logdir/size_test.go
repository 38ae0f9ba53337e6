package logdir

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"4096", 4096, true},
		{"100B", 100, true},
		{"10MB", 10_000_000, true},
		{"10mb", 10_000_000, true},
		{"10M", 10_000_000, true},
		{"10MiB", 10 << 20, true},
		{"10Mi", 10 << 20, true},
		{"512KiB", 512 << 10, true},
		{"512 kib", 512 << 10, true},
		{"2k", 2000, true},
		{"1.5GiB", 3 << 29, true},
		{"1GB", 1e9, true},
		{" 7 ", 7, true},
		{"", 0, false},
		{"MB", 0, false},
		{"-1", 0, false},
		{"10XB", 0, false},
		{"1.2.3", 0, false},
		{"ten", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for _, n := range []int64{0, 1, 999, 1000, 1024, 10 << 20, 10_000_000, 3 << 30, 1e9, 1025} {
		s := FormatSize(n)
		if back, err := ParseSize(s); err != nil || back != n {
			t.Errorf("ParseSize(FormatSize(%d) = %q) = %d, %v", n, s, back, err)
		}
	}
	if s := FormatSize(10 << 20); s != "10MiB" {
		t.Errorf("FormatSize(10<<20) = %q, want 10MiB", s)
	}
}

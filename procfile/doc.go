// Package procfile parses Procfiles in foreman's format and plans the
// processes they describe.
//
// A Procfile has one "name: command" entry per line. Names are letters,
// digits, '_' and '-'; any spaces or tabs after the colon are skipped, so
// "web:node app.js" is valid. Blank lines and lines starting with '#' are
// ignored, as are CRLF line endings and a UTF-8 byte-order mark. Any other
// line is skipped with a Warning, as foreman does, so that templates and
// stray lines are reported rather than lost.
//
// A Formation says how many instances of each process type to run
// ("web=2,worker=1,all=1"); Plan expands entries and a formation into
// Instances named "web.1", "web.2", each with its PORT by foreman's rule:
// base port, plus 100 per process type in Procfile order, plus 1 per
// instance.
//
// The package does no I/O beyond the reader it is given.
package procfile

package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A chain NAME lives in redis as sorted sets whose scores count how often
// one word followed another:
//
//	markov:NAME:starts       words that begin a part
//	markov:NAME:next:WORD    words that followed WORD
//
// Every key a build touches expires ttl after that build: a link nobody
// builds again goes away.
type chains struct {
	db  *redis.Client
	ttl time.Duration
}

const (
	maxParts        = 100
	maxWordsPerPart = 200 // a part of text without punctuation ends here
)

var errNoChain = errors.New("no such chain")

func startsKey(name string) string     { return "markov:" + name + ":starts" }
func nextKey(name, word string) string { return "markov:" + name + ":next:" + word }

// endsPart says whether word ends a part of text.
func endsPart(word string) bool {
	return word != "" && strings.ContainsRune(".,!?:;", rune(word[len(word)-1]))
}

// links are the (from, to) pairs of text's words, with from "" for a word
// that begins a part.
func links(text string) [][2]string {
	words := strings.Fields(text)
	out := make([][2]string, 0, len(words))
	prev := ""
	for _, w := range words {
		out = append(out, [2]string{prev, w})
		prev = w
		if endsPart(w) {
			prev = ""
		}
	}
	return out
}

// build adds text's links to chain name and returns how many there were.
func (c *chains) build(ctx context.Context, name, text string) (int, error) {
	ls := links(text)
	if len(ls) == 0 {
		return 0, nil
	}
	touched := map[string]bool{}
	pipe := c.db.Pipeline()
	for _, l := range ls {
		key := startsKey(name)
		if l[0] != "" {
			key = nextKey(name, l[0])
		}
		pipe.ZIncrBy(ctx, key, 1, l[1])
		touched[key] = true
	}
	for key := range touched {
		pipe.Expire(ctx, key, c.ttl)
	}
	_, err := pipe.Exec(ctx)
	return len(ls), err
}

// generate makes parts parts of text from chain name.
func (c *chains) generate(ctx context.Context, name string, parts int) (string, error) {
	var words []string
	inPart := 0
	key := startsKey(name)
	for done := 0; done < parts; {
		word, err := c.pick(ctx, key)
		if errors.Is(err, errNoChain) && key != startsKey(name) {
			// A dead end: the text this came from stopped here.
			done++
			inPart = 0
			key = startsKey(name)
			continue
		}
		if err != nil {
			return "", err
		}
		words = append(words, word)
		inPart++
		key = nextKey(name, word)
		if endsPart(word) || inPart == maxWordsPerPart {
			done++
			inPart = 0
			key = startsKey(name)
		}
	}
	return strings.Join(words, " "), nil
}

// pick draws a word from the sorted set at key, weighted by score.
func (c *chains) pick(ctx context.Context, key string) (string, error) {
	zs, err := c.db.ZRangeWithScores(ctx, key, 0, -1).Result()
	if err != nil {
		return "", err
	}
	if len(zs) == 0 {
		return "", errNoChain
	}
	var total float64
	for _, z := range zs {
		total += z.Score
	}
	r := rand.Float64() * total
	for _, z := range zs {
		if r -= z.Score; r < 0 {
			return z.Member.(string), nil
		}
	}
	return zs[len(zs)-1].Member.(string), nil
}

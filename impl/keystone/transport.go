package keystone

import (
	"context"
	"net"
	"net/http"
	"time"
)

// newHTTPClient is the default client: keystonemiddleware's timeouts (a
// zero one is no bound) and no overall deadline, since a slow Keystone is
// waited for, as Manila waits.
func newHTTPClient(connect, read time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = read
	return &http.Client{Transport: t}
}

// do sends req, and while no answer comes (the connection is refused,
// reset or times out) tries again up to v.retries times, waiting
// keystoneauth's backoff: retryDelay, then doubling. An HTTP answer, even a
// 5xx, is returned as it is, as keystoneauth's connect_retries does.
func (v *Validator) do(req *http.Request) (*http.Response, error) {
	delay := v.retryDelay
	for attempt := 0; ; attempt++ {
		resp, err := v.client.Do(req)
		if err == nil || attempt >= v.retries || req.Context().Err() != nil {
			return resp, err
		}
		if req.GetBody != nil {
			body, berr := req.GetBody()
			if berr != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		if !sleep(req.Context(), delay) {
			return nil, err
		}
		delay *= 2
	}
}

// sleep waits d unless ctx ends first; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

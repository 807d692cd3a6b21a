package flowtest

func (f *FakeChannels) Kinds(channel string) []string {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []string
	for _, s := range f.Sent {
		if s.Channel == channel {
			out = append(out, s.Kind)
		}
	}
	return out
}

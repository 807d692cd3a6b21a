// Package rating is the RatingFollowUp workflow a 1-3 star rating starts
// a 3-star rating asks what could be better; 1-2 stars reach the
// team lead, ask the worker for a report and need a decision, or hand the
// case to a reclamation.
package rating

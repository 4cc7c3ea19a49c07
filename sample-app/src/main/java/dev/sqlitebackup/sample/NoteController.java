package dev.sqlitebackup.sample;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** REST API of the sample: create, list, read and delete notes kept in the SQLite database. */
@RestController
@RequestMapping("/notes")
public class NoteController {

	private final JdbcClient jdbc;

	public NoteController(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@GetMapping
	public List<Note> list() {
		return this.jdbc.sql("SELECT id, text, created_at FROM note ORDER BY id").query(Note.class).list();
	}

	@GetMapping("/{id}")
	public Note get(@PathVariable long id) {
		return this.jdbc.sql("SELECT id, text, created_at FROM note WHERE id = ?")
			.param(id)
			.query(Note.class)
			.optional()
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "No note " + id));
	}

	@PostMapping
	public ResponseEntity<Note> create(@RequestBody NewNote note) {
		String text = note.text();
		if (text == null || text.isBlank()) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "A note needs a text");
		}
		Note created = this.jdbc.sql("INSERT INTO note (text, created_at) VALUES (?, ?) RETURNING id, text, created_at")
			.params(text, Instant.now().toString())
			.query(Note.class)
			.single();
		return ResponseEntity.status(HttpStatus.CREATED).body(created);
	}

	@DeleteMapping("/{id}")
	public ResponseEntity<Void> delete(@PathVariable long id) {
		int deleted = this.jdbc.sql("DELETE FROM note WHERE id = ?").param(id).update();
		return (deleted > 0) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	/**
	 * Body of a request that creates a note.
	 *
	 * @param text what the note says
	 */
	public record NewNote(@Nullable String text) {

	}

}
